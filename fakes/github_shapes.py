"""GitHub's REST objects as the fake GitHub serves them: every field GitHub's OpenAPI description requires.

Each factory builds one object of GitHub's description (`simple-user`, `full-repository`,
`pull-request-simple`, ...) with realistic values; the fake (github_server.py) keeps them in its
state and serves them. test_github_server_schema.py holds every answer to GitHub's description.
`api` is the API URL objects link to (the fake's own URL), `WEB` the site behind `html_url`s.
"""

from __future__ import annotations

import hashlib

WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"

REPOSITORY_LINKS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}
USER_LINKS = {
    "events_url": "/events{/privacy}",
    "followers_url": "/followers",
    "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}",
    "organizations_url": "/orgs",
    "received_events_url": "/received_events",
    "repos_url": "/repos",
    "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions",
}


def node_id(kind: str, number: int) -> str:
    """An opaque global id in GitHub's style (`PR_kwDO...`): the kind, then a stable digest."""
    return f"{kind}_kwDO{hashlib.sha1(f'{kind}{number}'.encode(), usedforsecurity=False).hexdigest()[:12]}"


def user(api: str, login: str, user_id: int, *, kind: str = "User") -> dict:
    """`simple-user`."""
    url = f"{api}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("U" if kind == "User" else "O", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{login}",
        **{name: url + suffix for name, suffix in USER_LINKS.items()},
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def repository(api: str, *, repo_id: int, owner: dict, name: str, created_at: str, updated_at: str) -> dict:
    """`full-repository` (also a valid `repository` and `minimal-repository`, the shapes nested in others)."""
    full_name = f"{owner['login']}/{name}"
    url = f"{api}/repos/{full_name}"
    return {
        "id": repo_id,
        "node_id": node_id("R", repo_id),
        "name": name,
        "full_name": full_name,
        "owner": owner,
        "private": False,
        "html_url": f"{WEB}/{full_name}",
        "description": f"The {name} service",
        "fork": False,
        "url": url,
        **{link: url + suffix for link, suffix in REPOSITORY_LINKS.items()},
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"{WEB}/{full_name}.git",
        "svn_url": f"{WEB}/{full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 12,
        "watchers": 12,
        "watchers_count": 12,
        "subscribers_count": 3,
        "network_count": 0,
        "size": 2048,
        "default_branch": "main",
        "open_issues": 0,
        "open_issues_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "public",
        "license": None,
        "pushed_at": updated_at,
        "created_at": created_at,
        "updated_at": updated_at,
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
    }


def api_of(repo: dict) -> str:
    """The API URL a repository's JSON links to."""
    return repo["url"].removesuffix(f"/repos/{repo['full_name']}")


def repository_nested(repo: dict) -> dict:
    """The `repository` nested in pull requests and workflow runs: without the counts only a full one has."""
    return {key: value for key, value in repo.items() if key not in ("network_count", "subscribers_count")}


def label(repo: dict, label_id: int, name: str) -> dict:
    """`label` (as in issues and pull requests)."""
    return {
        "id": label_id,
        "node_id": node_id("LA", label_id),
        "url": f"{repo['url']}/labels/{name}",
        "name": name,
        "description": "",
        "color": "ededed",
        "default": name == "bug",
    }


def team(api: str, org: str, slug: str, team_id: int) -> dict:
    """`team` (as a requested reviewer)."""
    url = f"{api}/organizations/1/team/{team_id}"
    return {
        "id": team_id,
        "node_id": node_id("T", team_id),
        "url": url,
        "html_url": f"{WEB}/orgs/{org}/teams/{slug}",
        "name": slug.replace("-", " ").title(),
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": url + "/members{/member}",
        "repositories_url": url + "/repos",
        "type": "organization",
        "parent": None,
    }


def issue(repo: dict, *, issue_id: int, number: int, title: str, state: str, author: dict, **fields) -> dict:
    """`issue`; `fields` are its times, `assignees`, `labels` and the like."""
    url = f"{repo['url']}/issues/{number}"
    assignees = fields.pop("assignees", [])
    return {
        "id": issue_id,
        "node_id": node_id("I", issue_id),
        "url": url,
        "repository_url": repo["url"],
        "labels_url": url + "/labels{/name}",
        "comments_url": url + "/comments",
        "events_url": url + "/events",
        "html_url": f"{repo['html_url']}/issues/{number}",
        "number": number,
        "state": state,
        "state_reason": "completed" if state == "closed" else None,
        "title": title,
        "body": None,
        "user": author,
        "labels": [],
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": None,
        "author_association": "MEMBER",
        **fields,
    }


def pull_link(pull_url: str, html_url: str, issue_url: str, statuses_url: str) -> dict:
    """The `_links` of a pull request."""
    return {
        "self": {"href": pull_url},
        "html": {"href": html_url},
        "issue": {"href": issue_url},
        "comments": {"href": issue_url + "/comments"},
        "review_comments": {"href": pull_url + "/comments"},
        "review_comment": {"href": pull_url.rsplit("/", 1)[0] + "/comments{/number}"},
        "commits": {"href": pull_url + "/commits"},
        "statuses": {"href": statuses_url},
    }


def branch(repo: dict, *, ref: str, sha: str) -> dict:
    """The `head` / `base` of a pull request."""
    owner = repo["owner"]
    return {"label": f"{owner['login']}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repository_nested(repo)}


def pull_request(repo: dict, issue_json: dict, *, pull_id: int, head: dict, base: dict, **fields) -> dict:
    """`pull-request-simple` (the items of the pulls list) of the issue it shares its number with."""
    number = issue_json["number"]
    url = f"{repo['url']}/pulls/{number}"
    html_url = f"{repo['html_url']}/pull/{number}"
    statuses_url = f"{repo['url']}/statuses/{head['sha']}"
    return {
        "id": pull_id,
        "node_id": node_id("PR", pull_id),
        "url": url,
        "html_url": html_url,
        "diff_url": html_url + ".diff",
        "patch_url": html_url + ".patch",
        "issue_url": issue_json["url"],
        "commits_url": url + "/commits",
        "review_comments_url": url + "/comments",
        "review_comment_url": f"{repo['url']}/pulls/comments{{/number}}",
        "comments_url": issue_json["comments_url"],
        "statuses_url": statuses_url,
        **{key: issue_json[key] for key in ("number", "state", "locked", "title", "user", "body", "labels")},
        **{key: issue_json[key] for key in ("milestone", "active_lock_reason", "assignee", "assignees")},
        **{key: issue_json[key] for key in ("created_at", "updated_at", "closed_at", "author_association")},
        "merged_at": None,
        "merge_commit_sha": None,
        "requested_reviewers": [],
        "requested_teams": [],
        "head": head,
        "base": base,
        "_links": pull_link(url, html_url, issue_json["url"], statuses_url),
        "auto_merge": None,
        "draft": False,
        **fields,
    }


def review(pull: dict, *, review_id: int, author: dict, state: str, submitted_at: str) -> dict:
    """`pull-request-review`."""
    html_url = f"{pull['html_url']}#pullrequestreview-{review_id}"
    return {
        "id": review_id,
        "node_id": node_id("PRR", review_id),
        "user": author,
        "body": "Looks good to me." if state == "APPROVED" else "Please have a look at the comments.",
        "state": state,
        "html_url": html_url,
        "pull_request_url": pull["url"],
        "_links": {"html": {"href": html_url}, "pull_request": {"href": pull["url"]}},
        "submitted_at": submitted_at,
        "commit_id": pull["head"]["sha"],
        "author_association": "MEMBER",
    }


def commit(repo: dict, *, sha: str, author: dict, date: str, message: str, parents: tuple[str, ...] = ()) -> dict:
    """`commit` (as listed in a pull request's commits and in a comparison of two commits)."""
    url = f"{repo['url']}/commits/{sha}"
    git_user = {"name": author["login"].title(), "email": f"{author['login']}@example.com", "date": date}
    tree = hashlib.sha1(f"tree{sha}".encode(), usedforsecurity=False).hexdigest()
    return {
        "sha": sha,
        "node_id": node_id("C", int(sha[:8], 16)),
        "url": url,
        "html_url": f"{repo['html_url']}/commit/{sha}",
        "comments_url": url + "/comments",
        "commit": {
            "url": f"{repo['url']}/git/commits/{sha}",
            "author": git_user,
            "committer": git_user,
            "message": message,
            "tree": {"sha": tree, "url": f"{repo['url']}/git/trees/{tree}"},
            "comment_count": 0,
        },
        "author": author,
        "committer": author,
        "parents": [
            {"sha": parent, "url": f"{repo['url']}/commits/{parent}", "html_url": f"{repo['html_url']}/commit/{parent}"}
            for parent in parents
        ],
    }


def comparison(repo: dict, *, base: str, head: str, status: str, ahead_by: int, behind_by: int, **fields) -> dict:
    """`commit-comparison` of `base...head`: `commits` (a page of them), `base_commit` and `merge_base_commit`."""
    basehead, owner = f"{base}...{head}", repo["owner"]["login"]
    return {
        "url": f"{repo['url']}/compare/{basehead}",
        "html_url": f"{repo['html_url']}/compare/{basehead}",
        "permalink_url": f"{repo['html_url']}/compare/{owner}:{base}...{owner}:{head}",
        "diff_url": f"{repo['html_url']}/compare/{basehead}.diff",
        "patch_url": f"{repo['html_url']}/compare/{basehead}.patch",
        "status": status,
        "ahead_by": ahead_by,
        "behind_by": behind_by,
        "total_commits": ahead_by,
        **fields,
    }


def app(api: str, *, created_at: str) -> dict:
    """`integration`: GitHub Actions, the app behind the check runs."""
    owner = user(api, "github", 9919, kind="Organization")
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": node_id("A", 15368),
        "client_id": "Iv1.05c79e9ad1f6bdfa",
        "owner": owner,
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{WEB}/apps/github-actions",
        "created_at": created_at,
        "updated_at": created_at,
        "permissions": {"checks": "write", "contents": "read", "metadata": "read"},
        "events": ["check_run", "check_suite", "push"],
    }


def check_run(repo: dict, *, run_id: int, head_sha: str, name: str, conclusion: str | None, at: str) -> dict:
    """`check-run` of a commit by GitHub Actions: completed with `conclusion`, or still running when it is None."""
    url = f"{repo['url']}/check-runs/{run_id}"
    return {
        "id": run_id,
        "node_id": node_id("CR", run_id),
        "head_sha": head_sha,
        "external_id": f"ci-{run_id}",
        "url": url,
        "html_url": f"{repo['html_url']}/runs/{run_id}",
        "details_url": f"{repo['html_url']}/actions/runs/{run_id}/job/{run_id}",
        "status": "completed" if conclusion else "in_progress",
        "conclusion": conclusion,
        "started_at": at,
        "completed_at": at if conclusion else None,
        "output": {
            "title": f"{name}: {conclusion or 'running'}",
            "summary": "",
            "text": None,
            "annotations_count": 0,
            "annotations_url": url + "/annotations",
        },
        "name": name,
        "check_suite": {"id": run_id + 1},
        "app": app(api_of(repo), created_at=repo["created_at"]),
        "pull_requests": [],
    }


def dependabot_alert(repo: dict, *, number: int, state: str, severity: str, package: str, at: str) -> dict:
    """`dependabot-alert` (its description allows no other fields) in `state`, changed to it at `at`."""
    ghsa_id = f"GHSA-{number:04d}-xxxx-yyyy"
    cve_id = f"CVE-2026-{number:04d}"
    vulnerability = {
        "package": {"ecosystem": "pip", "name": package},
        "severity": severity,
        "vulnerable_version_range": "< 2.0.1",
        "first_patched_version": {"identifier": "2.0.1"},
    }
    return {
        "number": number,
        "state": state,
        "dependency": {
            "package": vulnerability["package"],
            "manifest_path": "requirements.txt",
            "scope": "runtime",
            "relationship": "direct",
        },
        "security_advisory": {
            "ghsa_id": ghsa_id,
            "cve_id": cve_id,
            "summary": f"Vulnerability {number}",
            "description": f"{package} before 2.0.1 lets a crafted request read other users' data.",
            "vulnerabilities": [vulnerability],
            "severity": severity,
            "cvss": {
                "score": {"low": 3.1, "medium": 5.3, "high": 7.5, "critical": 9.8}[severity],
                "vector_string": None,
            },
            "cwes": [{"cwe_id": "CWE-200", "name": "Exposure of Sensitive Information to an Unauthorized Actor"}],
            "identifiers": [{"value": ghsa_id, "type": "GHSA"}, {"value": cve_id, "type": "CVE"}],
            "references": [{"url": f"https://nvd.nist.gov/vuln/detail/{cve_id}"}],
            "published_at": at,
            "updated_at": at,
            "withdrawn_at": None,
        },
        "security_vulnerability": vulnerability,
        "url": f"{repo['url']}/dependabot/alerts/{number}",
        "html_url": f"{repo['html_url']}/security/dependabot/{number}",
        "created_at": at,
        "updated_at": at,
        "dismissed_at": at if state == "dismissed" else None,
        "dismissed_by": repo["owner"] if state == "dismissed" else None,
        "dismissed_reason": "tolerable_risk" if state == "dismissed" else None,
        "dismissed_comment": None,
        "fixed_at": at if state == "fixed" else None,
        "auto_dismissed_at": at if state == "auto_dismissed" else None,
    }


def workflow_run(repo: dict, *, run_id: int, run_number: int, name: str, head_sha: str, at: str, **fields) -> dict:
    """`workflow-run`; `fields` override its branch, status, conclusion, times and the like."""
    url = f"{repo['url']}/actions/runs/{run_id}"
    return {
        "id": run_id,
        "name": name,
        "node_id": node_id("WFR", run_id),
        "check_suite_id": run_id + 1,
        "check_suite_node_id": node_id("CS", run_id + 1),
        "head_branch": "main",
        "head_sha": head_sha,
        "path": ".github/workflows/ci.yml",
        "display_title": f"{name} #{run_number}",
        "run_number": run_number,
        "run_attempt": 1,
        "event": "push",
        "status": "completed",
        "conclusion": "success",
        "workflow_id": 77,
        "url": url,
        "html_url": f"{repo['html_url']}/actions/runs/{run_id}",
        "pull_requests": [],
        "created_at": at,
        "updated_at": at,
        "run_started_at": at,
        "actor": repo["owner"],
        "triggering_actor": repo["owner"],
        "jobs_url": url + "/jobs",
        "logs_url": url + "/logs",
        "check_suite_url": f"{repo['url']}/check-suites/{run_id + 1}",
        "artifacts_url": url + "/artifacts",
        "cancel_url": url + "/cancel",
        "rerun_url": url + "/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{repo['url']}/actions/workflows/77",
        "head_commit": {
            "id": head_sha,
            "tree_id": hashlib.sha1(f"tree{head_sha}".encode(), usedforsecurity=False).hexdigest(),
            "message": "Merge pull request",
            "timestamp": at,
            "author": {"name": "Ada", "email": "ada@example.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repository_nested(repo),
        "head_repository": repository_nested(repo),
        **fields,
    }


def deployment(
    repo: dict, *, deployment_id: int, environment: str, creator: dict, at: str, sha: str = "c" * 40
) -> dict:
    """`deployment` of a commit of the default branch (its head, unless told)."""
    url = f"{repo['url']}/deployments/{deployment_id}"
    return {
        "url": url,
        "id": deployment_id,
        "node_id": node_id("DE", deployment_id),
        "sha": sha,
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": f"Deploy to {environment}",
        "creator": creator,
        "created_at": at,
        "updated_at": at,
        "statuses_url": url + "/statuses",
        "repository_url": repo["url"],
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def deployment_status(repo: dict, deployment_json: dict, *, status_id: int, state: str, at: str) -> dict:
    """`deployment-status`."""
    return {
        "url": f"{deployment_json['url']}/statuses/{status_id}",
        "id": status_id,
        "node_id": node_id("DES", status_id),
        "state": state,
        "creator": deployment_json["creator"],
        "description": f"Deployment {state}",
        "environment": deployment_json["environment"],
        "target_url": f"{repo['html_url']}/actions/runs/{status_id}",
        "log_url": f"{repo['html_url']}/actions/runs/{status_id}",
        "environment_url": f"https://{deployment_json['environment']}.example.com",
        "created_at": at,
        "updated_at": at,
        "deployment_url": deployment_json["url"],
        "repository_url": repo["url"],
    }


def release(repo: dict, *, release_id: int, tag: str, name: str, author: dict, at: str) -> dict:
    """`release`, published."""
    url = f"{repo['url']}/releases/{release_id}"
    return {
        "url": url,
        "html_url": f"{repo['html_url']}/releases/tag/{tag}",
        "assets_url": url + "/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo['full_name']}/releases/{release_id}/assets{{?name,label}}",
        "tarball_url": f"{repo['url']}/tarball/{tag}",
        "zipball_url": f"{repo['url']}/zipball/{tag}",
        "id": release_id,
        "node_id": node_id("RE", release_id),
        "tag_name": tag,
        "target_commitish": "main",
        "name": name,
        "body": f"Changes in {tag}.",
        "draft": False,
        "prerelease": False,
        "created_at": at,
        "published_at": at,
        "author": author,
        "assets": [],
    }


def installation_token(token: str, *, expires_at: str) -> dict:
    """`installation-token`."""
    return {
        "token": token,
        "expires_at": expires_at,
        "permissions": {"issues": "read", "pull_requests": "read", "actions": "read", "deployments": "read"},
        "repository_selection": "selected",
    }


def error(status: int, message: str, *, docs: str = DOCS) -> dict:
    """`basic-error`: GitHub's body of every failed answer."""
    return {"message": message, "documentation_url": docs, "status": str(status)}
