"""Demo postmortems: two published and one draft, with timelines, action items (one overdue) and cards."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from io import TextIOBase
from typing import TypedDict

from django.contrib.auth.models import User
from django.utils import timezone

from kanban.models import Board
from postmortems.models import Postmortem
from postmortems.services import (
    action_item_create,
    action_item_set_done,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
    settings_update,
    timeline_entry_add,
)
from teams.models import Team


class Incident(TypedDict):
    title: str
    severity: str
    days_ago: int
    minutes: tuple[int | None, ...]  # started, detected, mitigated, resolved: minutes after the start
    tags: list[str]
    summary: str
    impact: str
    trigger: str
    contributing_factors: list[str]
    detection: str
    resolution: str
    went_well: list[str]
    went_wrong: list[str]
    got_lucky: list[str]
    timeline: list[tuple[int, str, str]]  # minute, kind, text
    actions: list[tuple[str, int, bool]]  # description, due in days, done
    publish: bool


INCIDENTS: list[Incident] = [
    {
        "title": "Checkout errors after the payment service deploy",
        "severity": "SEV2",
        "days_ago": 24,
        "minutes": (0, 7, 35, 52),
        "tags": ["payments", "deploy"],
        "summary": "A configuration change shipped with the payment service turned off retries to the card processor.",
        "impact": "6.2% of checkouts failed for 52 minutes (about 1,900 orders); no data was lost.",
        "trigger": "Deploy of payment-service v2.14.0 with a new default for `processor.retries`.",
        "contributing_factors": [
            "The new default was not covered by the staging smoke test.",
            "Error-rate alerts for checkout used a 10-minute window.",
        ],
        "detection": "The checkout error-rate alert fired 7 minutes after the deploy.",
        "resolution": "Rolled back to v2.13.2; retries came back and errors stopped.",
        "went_well": ["Rollback took four minutes."],
        "went_wrong": ["The alert window delayed detection."],
        "got_lucky": ["The incident happened outside peak hours."],
        "timeline": [
            (0, "action", "payment-service v2.14.0 deployed to production"),
            (7, "detection", "Alert CheckoutErrorRate firing"),
            (12, "escalation", "On-call engineer paged the payments team"),
            (35, "action", "Rollback to v2.13.2 started"),
            (52, "resolution", "Error rate back to baseline"),
        ],
        "actions": [
            ("Add processor retries to the staging smoke test", 20, True),
            ("Shorten the checkout alert window to 3 minutes", -3, False),
        ],
        "publish": True,
    },
    {
        "title": "Search index lag during the catalogue import",
        "severity": "SEV3",
        "days_ago": 12,
        "minutes": (0, 25, 90, 150),
        "tags": ["search", "batch"],
        "summary": "The nightly catalogue import saturated the search cluster; results lagged by up to two hours.",
        "impact": "Search showed stale prices and stock for 2.5 hours; 140 support tickets.",
        "trigger": "A catalogue import three times the usual size.",
        "contributing_factors": ["The import had no rate limit.", "Index lag was not alerted on."],
        "detection": "Support escalated customer reports.",
        "resolution": "Paused the import and let indexing catch up; resumed with a rate limit.",
        "went_well": ["Support escalated quickly."],
        "went_wrong": ["No alert on index lag."],
        "got_lucky": ["Prices had not changed much that night."],
        "timeline": [
            (0, "action", "Catalogue import started"),
            (25, "detection", "Support reports stale search results"),
            (90, "action", "Import paused"),
            (150, "resolution", "Index lag back under one minute"),
        ],
        "actions": [("Alert on search index lag over 5 minutes", 30, False)],
        "publish": True,
    },
    {
        "title": "Login latency spike",
        "severity": "SEV4",
        "days_ago": 2,
        "minutes": (0, 4, None, None),
        "tags": ["auth"],
        "summary": "Login p95 latency rose to 3 s; still being investigated.",
        "impact": "Slow logins for about 8% of users.",
        "trigger": "",
        "contributing_factors": [],
        "detection": "Latency SLO burn-rate alert.",
        "resolution": "",
        "went_well": [],
        "went_wrong": [],
        "got_lucky": [],
        "timeline": [(0, "detection", "Alert LoginLatencyHigh firing"), (4, "escalation", "Auth on-call acknowledged")],
        "actions": [("Add tracing to the session store calls", 45, False)],
        "publish": False,
    },
]


def _times(start: datetime, minutes: Sequence[int | None]) -> list[datetime | None]:
    return [start + timedelta(minutes=m) if m is not None else None for m in minutes]


def seed(*, team: Team, user: User, stdout: TextIOBase) -> None:
    if Postmortem.objects.for_team(team).exists():
        return
    board = Board.objects.for_team(team).order_by("id").first()
    settings_update(team=team, by=user, action_board=board)
    now = timezone.now().replace(second=0, microsecond=0)
    for spec in INCIDENTS:
        start = now - timedelta(days=spec["days_ago"], hours=3)
        started, detected, mitigated, resolved = _times(start, spec["minutes"])
        postmortem = postmortem_create(
            team=team,
            by=user,
            title=spec["title"],
            severity=spec["severity"],
            tags=spec["tags"],
            started_at=started,
            detected_at=detected,
            mitigated_at=mitigated,
            resolved_at=resolved,
            summary=spec["summary"],
            impact=spec["impact"],
            trigger=spec["trigger"],
            contributing_factors=spec["contributing_factors"],
            detection=spec["detection"],
            resolution=spec["resolution"],
            went_well=spec["went_well"],
            went_wrong=spec["went_wrong"],
            got_lucky=spec["got_lucky"],
        )
        for minute, kind, text in spec["timeline"]:
            timeline_entry_add(
                postmortem=postmortem, at=start + timedelta(minutes=minute), kind=kind, text=text, by=user
            )
        for description, due_in_days, done in spec["actions"]:
            item = action_item_create(
                postmortem=postmortem,
                description=description,
                by=user,
                owner=user,
                due_date=timezone.localdate() + timedelta(days=due_in_days),
            )
            if done:
                action_item_set_done(item=item, done=True, by=user)
        if spec["publish"]:
            postmortem_request_review(postmortem=postmortem, by=user, reviewers=[user])
            postmortem_approve(postmortem=postmortem, by=user)
            postmortem_publish(postmortem=postmortem, by=user)
    stdout.write("Postmortems: two published, one draft, with timelines and action items on the board.")
