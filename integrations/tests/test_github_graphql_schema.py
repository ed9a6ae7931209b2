"""Every GraphQL query the app sends, and every answer the fake GitHub gives, against GitHub's published schema."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from fakes import github_graphql
from fakes.github_server import TOKEN, iso
from integrations.github import queries
from integrations.github.sync import repository_sync
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.graphql_schema import answer_errors, github_schema, query_errors


@pytest.fixture(scope="session")
def schema():
    """GitHub's schema is large (1.2 MB of SDL): built once per test session."""
    return github_schema()


@pytest.fixture
def fake_repo(github):
    """Checks failing, pending and passing, reviews approving and requesting changes, a PR with 130 reviews."""
    repo = github.add_repo("octo/app")
    for index, (ci, review) in enumerate(
        [("success", "APPROVED"), ("failure", "CHANGES_REQUESTED"), ("pending", "APPROVED"), ("success", "COMMENTED")]
    ):
        github.add_pull(repo, ci=ci, review=review, merged=index == 3)
    github_graphql.add_reviews(github, repo, 1, count=130)
    # Beyond the window: a PR merged 100 days ago (no details due) and an open one not updated for
    # 120 days, asked for by number once paging has stopped at the window.
    old_merge = github.add_pull(repo, merged=True, merged_at=datetime.now(UTC) - timedelta(days=100))
    stale = github.add_pull(repo)
    for pull, days in ((old_merge, 100), (stale, 120)):
        moment = iso(datetime.now(UTC) - timedelta(days=days))
        for record in (pull, repo.issues[pull["number"]]):
            record.update(created_at=moment, updated_at=moment)
    return repo


@pytest.mark.parametrize("name", sorted(queries.QUERIES))
def test_every_query_the_app_sends_is_valid_against_githubs_schema(schema, name):
    assert query_errors(schema, queries.QUERIES[name]) == []


def test_a_query_asking_for_a_field_github_does_not_have_is_caught(schema):
    assert query_errors(schema, queries.PULL_REVIEWS_PAGE.replace("submittedAt", "submitted_at"))


def test_every_answer_the_fake_gives_during_a_sync_matches_githubs_schema(schema, db, github, fake_repo, monkeypatch):
    connection = ConnectionFactory(api_url=github.url, token=TOKEN)
    repository = RepositoryFactory(
        connection=connection, owner="octo", name="app", full_name="octo/app", github_id=None
    )

    monkeypatch.setattr(queries, "PULLS_PER_PAGE", 5)  # the page ends at the PR merged 100 days ago

    repository_sync(repository=repository, full=True)

    answered = github.graphql.answers
    assert set(queries.QUERIES) == {re.search(r"query (\w+)", answer.query).group(1) for answer in answered}
    for answer in answered:
        assert answer_errors(schema, answer.query, answer.variables, answer.body) == []
    states = {p["headCommit"]["nodes"][0]["commit"]["statusCheckRollup"]["state"] for p in _pulls(answered)}
    assert states == {"SUCCESS", "FAILURE", "PENDING"}
    assert {r["state"] for p in _pulls(answered) for r in p["reviews"]["nodes"]} >= {"APPROVED", "CHANGES_REQUESTED"}


def _pulls(answered):
    pages = [a.body["data"]["repository"]["pullRequests"] for a in answered if "PullDetailsPage" in a.query]
    return [node for page in pages for node in page["nodes"]]


@pytest.mark.parametrize(
    ("builder", "field"),
    [
        ("review_node", "submittedAt"),
        ("review_node", "databaseId"),
        ("pull_node", "updatedAt"),
        ("pull_node", "headCommit"),
    ],
)
def test_the_check_fails_when_the_fake_renames_a_field_the_app_reads(
    schema, github, fake_repo, monkeypatch, builder, field
):
    original = getattr(github_graphql, builder)

    def renamed(*args):
        node = original(*args)
        node[field + "Renamed"] = node.pop(field)
        return node

    monkeypatch.setattr(github_graphql, builder, renamed)
    variables = {"owner": "octo", "name": "app", "first": 50, "after": None}
    data, _ = github_graphql.OPERATIONS["PullDetailsPage"](github, fake_repo, variables)
    data["rateLimit"] = {"cost": 1, "remaining": 4999, "resetAt": github.graphql.reset_at}

    problems = answer_errors(schema, queries.PULL_DETAILS_PAGE, variables, {"data": data})

    assert any(
        p.startswith("the answer has no repository.pullRequests.nodes.0.") and f".{field} (at" in p for p in problems
    )


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("rateLimit", "cost"), 1.5, "Int cannot represent non-integer value: 1.5"),
        (("rateLimit", "resetAt"), "in an hour", "DateTime cannot represent 'in an hour'"),
        (("review", "state"), "LOOKS_GOOD", "Enum 'PullRequestReviewState' cannot represent value: 'LOOKS_GOOD'"),
        (("review", "url"), "javascript:alert(1)", "URI cannot represent"),
        (("review", "databaseId"), None, None),  # nullable in GitHub's schema: fine
        (("review", "extra"), 1, "fields the query did not ask for"),
    ],
)
def test_the_check_fails_on_a_value_of_the_wrong_type(schema, github, fake_repo, path, value, problem):
    variables = {"owner": "octo", "name": "app", "number": 1, "first": 100, "after": None}
    data, _ = github_graphql.OPERATIONS["PullReviewsPage"](github, fake_repo, variables)
    data["rateLimit"] = {"cost": 1, "remaining": 4999, "resetAt": github.graphql.reset_at}
    review = data["repository"]["pullRequest"]["reviews"]["nodes"][0]
    {"rateLimit": data["rateLimit"], "review": review}[path[0]][path[1]] = value

    problems = answer_errors(schema, queries.PULL_REVIEWS_PAGE, variables, {"data": data})

    assert (problem in " ".join(problems)) if problem else problems == []
