"""Timeline suggestions from the synced GitHub data of the incident window (integrations.models).

Deployments and their latest status, published releases, merged pull requests and failed workflow
runs on the repository's default branch, from an hour before the start to the resolution (or now).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from integrations.models import Deployment, PullRequest, Release, WorkflowRun
from postmortems.models import Postmortem, TimelineKind

LEAD = timedelta(hours=1)  # a deploy just before the start is the usual trigger
LIMIT = 40


@dataclass(frozen=True)
class Suggestion:
    source: str
    at: datetime
    kind: str
    text: str
    url: str


def _window(postmortem: Postmortem) -> tuple[datetime, datetime] | None:
    start = postmortem.started_at or postmortem.detected_at
    if start is None:
        return None
    return start - LEAD, (postmortem.resolved_at or timezone.now())


def timeline_suggestions(*, postmortem: Postmortem) -> list[Suggestion]:
    """Suggested entries not yet on the timeline, in time order."""
    window = _window(postmortem)
    if window is None:
        return []
    team, (begin, end) = postmortem.team, window
    found: list[Suggestion] = []
    for d in Deployment.objects.for_team(team).filter(created_at__range=window).select_related("repository")[:LIMIT]:
        text = f"Deployment of {d.ref or d.sha[:7]} to {d.environment} ({d.repository.full_name})"
        found.append(Suggestion(f"github:deployment:{d.pk}", d.created_at, TimelineKind.ACTION, text, d.html_url))
        if d.status and d.status_updated_at and begin <= d.status_updated_at <= end:
            found.append(
                Suggestion(
                    f"github:deployment-status:{d.pk}:{d.status}",
                    d.status_updated_at,
                    TimelineKind.ACTION,
                    f"Deployment to {d.environment} {d.status} ({d.repository.full_name})",
                    d.html_url,
                )
            )
    releases = (
        Release.objects.for_team(team).filter(draft=False, published_at__range=window).select_related("repository")
    )
    for r in releases[:LIMIT]:
        assert r.published_at is not None  # the range filter leaves out unpublished releases
        text = f"Release {r.tag_name} published ({r.repository.full_name})"
        found.append(Suggestion(f"github:release:{r.pk}", r.published_at, TimelineKind.ACTION, text, r.html_url))
    pulls = PullRequest.objects.for_team(team).filter(merged_at__range=window).select_related("repository")
    for p in pulls[:LIMIT]:
        assert p.merged_at is not None  # the range filter leaves out unmerged pull requests
        text = f"Merged {p.repository.full_name}#{p.number}: {p.title}"
        found.append(Suggestion(f"github:pull:{p.pk}", p.merged_at, TimelineKind.ACTION, text, p.html_url))
    runs = (
        WorkflowRun.objects.for_team(team)
        .filter(conclusion="failure", created_at__range=window, head_branch=F("repository__default_branch"))
        .select_related("repository")
    )
    for w in runs[:LIMIT]:
        text = f"Workflow {w.workflow_name} #{w.run_number} failed on {w.head_branch} ({w.repository.full_name})"
        found.append(Suggestion(f"github:run:{w.pk}", w.created_at, TimelineKind.DETECTION, text, w.html_url))
    taken = set(postmortem.timeline.exclude(source="").values_list("source", flat=True))
    return sorted((s for s in found if s.source not in taken), key=lambda s: s.at)[: LIMIT * 2]


def suggestion_find(*, postmortem: Postmortem, source: str) -> Suggestion | None:
    return next((s for s in timeline_suggestions(postmortem=postmortem) if s.source == source), None)
