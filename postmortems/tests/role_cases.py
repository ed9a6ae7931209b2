"""Who may use each postmortem page and API route (see teams/tests/roles.py for the fields).

Viewers read (list, detail, export, print, reminders, suggestions); members write postmortems,
their timeline and action items and move them through review; the team's postmortem settings and
Alertmanager token are the owners'. Approval also needs the approver to be a reviewer of that
postmortem, which the matrix's fresh members are not: `test_review_roles.py` covers a reviewer.
"""

from datetime import timedelta

from django.utils import timezone

from kanban.tests.factories import make_board
from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_request_review,
    timeline_entry_add,
)
from postmortems.tests.factories import DeploymentFactory
from teams.models import Role
from teams.tests.roles import RoleCase, Setup


def _at(minutes: int = 0) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def draft(setup: Setup) -> dict:
    """A draft with a timeline entry, an action item (and its card) and a deployment in its window."""
    start = timezone.now() - timedelta(hours=2)
    board = make_board(setup.team, by=setup.owner)
    made = postmortem_create(team=setup.team, title="Checkout errors", by=setup.owner, started_at=start)
    entry = timeline_entry_add(postmortem=made, at=start, text="alert fired", by=setup.owner)
    item = action_item_create(postmortem=made, description="add retries", by=setup.owner, board=board)
    deployment = DeploymentFactory.create(
        repository__connection__team=setup.team, created_at=start - timedelta(minutes=5)
    )
    return {
        "postmortem": made,
        "pm_id": made.pk,
        "pk": made.pk,
        "entry_id": entry.pk,
        "item_id": item.pk,
        "deployment_source": f"github:deployment:{deployment.pk}",
    }


def in_review(setup: Setup) -> dict:
    objects = draft(setup)
    postmortem_request_review(postmortem=objects["postmortem"], by=setup.owner, reviewers=[setup.owner])
    return objects


def approved(setup: Setup) -> dict:
    objects = in_review(setup)
    postmortem_approve(postmortem=objects["postmortem"], by=setup.owner)
    return objects


def _entry_form(objects: dict) -> dict:
    prefix = f"entry-{objects['entry_id']}"
    return {f"{prefix}-at": _at(9), f"{prefix}-kind": "action", f"{prefix}-text": "edited"}


SETTINGS_FORM = {
    "sev1": "a",
    "sev2": "b",
    "sev3": "c",
    "sev4": "d",
    "slo_sev1": 2,
    "slo_sev2": 4,
    "slo_sev3": 8,
    "slo_sev4": 8,
    "blame_phrases": "oops",
    "sections": "summary: what happened",
    "severity_label": "severity",
    "severity_labels": "critical: SEV1",
}

VIEWER_PAGES = [
    RoleCase("postmortems:index", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:detail", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:markdown", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:print", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:index-csv", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:reminders", "GET", Role.VIEWER, build=draft),
    RoleCase("postmortems:suggestions", "GET", Role.VIEWER, build=draft, htmx=True),
]

PAGE_WRITES = [
    RoleCase(
        "postmortems:new", "POST", Role.MEMBER, data=lambda o: {"title": "New one", "severity": "SEV2"}, success=(302,)
    ),
    RoleCase(
        "postmortems:edit",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"title": "Renamed", "severity": "SEV1"},
        success=(302,),
    ),
    RoleCase(
        "postmortems:review",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"review-reviewers": [o["postmortem"].owner_id]},
        success=(302,),
    ),
    # A member who is not a reviewer is told so and nothing changes; roles below member never get that far.
    RoleCase("postmortems:approve", "POST", Role.MEMBER, build=in_review, changes=False, label="not a reviewer"),
    RoleCase("postmortems:publish", "POST", Role.MEMBER, build=approved, success=(302,)),
    RoleCase("postmortems:reopen", "POST", Role.MEMBER, build=in_review, success=(302,)),
    RoleCase(
        "postmortems:timeline-add",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"entry-at": _at(5), "entry-kind": "note", "entry-text": "new"},
        htmx=True,
    ),
    RoleCase(
        "postmortems:timeline-add",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"entry-at": _at(5), "entry-kind": "note", "entry-text": "new"},
        label="no script",
    ),
    RoleCase("postmortems:timeline-entry", "GET", Role.MEMBER, build=draft, htmx=True),
    RoleCase("postmortems:timeline-entry", "POST", Role.MEMBER, build=draft, data=_entry_form, htmx=True),
    RoleCase("postmortems:timeline-delete", "POST", Role.MEMBER, build=draft, htmx=True),
    RoleCase(
        "postmortems:suggestion-add",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"source": o["deployment_source"]},
        htmx=True,
    ),
    # Writing hints are advisory: members get them, nothing is saved.
    RoleCase(
        "postmortems:hints",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"summary": "human error"},
        htmx=True,
        changes=False,
    ),
    RoleCase(
        "postmortems:action-add",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"action-description": "more", "action-priority": "high"},
    ),
    RoleCase("postmortems:action-done", "POST", Role.MEMBER, build=draft, data=lambda o: {"done": "1"}),
    RoleCase("postmortems:action-delete", "POST", Role.MEMBER, build=draft),
    RoleCase("postmortems:settings", "GET", Role.OWNER),
    RoleCase("postmortems:settings", "POST", Role.OWNER, data=lambda o: SETTINGS_FORM, success=(302,)),
    RoleCase("postmortems:alertmanager-token", "POST", Role.OWNER),
]

API = [
    RoleCase("postmortem-list", "GET", Role.VIEWER, build=draft),
    RoleCase(
        "postmortem-list", "POST", Role.MEMBER, data=lambda o: {"title": "API one", "severity": "SEV4"}, success=(201,)
    ),
    RoleCase("postmortem-detail", "GET", Role.VIEWER, build=draft),
    RoleCase(
        "postmortem-detail",
        "PUT",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"title": "Replaced", "severity": "SEV1"},
        success=(200,),
    ),
    RoleCase(
        "postmortem-detail", "PATCH", Role.MEMBER, build=draft, data=lambda o: {"summary": "patched"}, success=(200,)
    ),
]


def an_entry(setup: Setup) -> dict:
    """A draft's timeline entry, as `pk` beside the postmortem's `pm_id`."""
    objects = draft(setup)
    return {**objects, "pk": objects["entry_id"]}


def an_item(setup: Setup) -> dict:
    """A draft's action item (with its card), as `pk` beside the postmortem's `pm_id`."""
    objects = draft(setup)
    return {**objects, "pk": objects["item_id"]}


API_PARTS = [
    RoleCase("postmortem-timeline-list", "GET", Role.VIEWER, build=draft),
    RoleCase(
        "postmortem-timeline-list",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"at": "2026-03-01T10:00:00Z", "text": "paged"},
        success=(201,),
    ),
    RoleCase(
        "postmortem-timeline-detail",
        "PUT",
        Role.MEMBER,
        build=an_entry,
        data=lambda o: {"at": "2026-03-01T10:00:00Z", "kind": "action", "text": "rolled back"},
        success=(200,),
    ),
    RoleCase(
        "postmortem-timeline-detail", "PATCH", Role.MEMBER, build=an_entry, data=lambda o: {"text": "x"}, success=(200,)
    ),
    RoleCase("postmortem-timeline-detail", "DELETE", Role.MEMBER, build=an_entry, success=(204,)),
    RoleCase("postmortem-action-item-list", "GET", Role.VIEWER, build=draft),
    RoleCase(
        "postmortem-action-item-list",
        "POST",
        Role.MEMBER,
        build=draft,
        data=lambda o: {"description": "add alerts"},
        success=(201,),
    ),
    RoleCase(
        "postmortem-action-item-detail",
        "PUT",
        Role.MEMBER,
        build=an_item,
        data=lambda o: {"description": "add retries", "priority": "high"},
        success=(200,),
    ),
    RoleCase(
        "postmortem-action-item-detail",
        "PATCH",
        Role.MEMBER,
        build=an_item,
        data=lambda o: {"status": "done"},
        success=(200,),
    ),
    RoleCase("postmortem-action-item-detail", "DELETE", Role.MEMBER, build=an_item, success=(204,)),
]

CASES = VIEWER_PAGES + PAGE_WRITES + API + API_PARTS
