"""Everything that changes a postmortem, its timeline and its action items; each change is audited.

Action items and cards stay in step without signals: an item with a card reads its status from the
card's column (`ActionItem.status`), and completing an item moves its card with `kanban.services.card_move`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.errors import ConflictError, DomainError
from core.events import Event, emit, person
from core.mentions import mentions_announce
from core.search import text_search
from integrations.models import Deployment
from kanban.models import Board, Column, SourceKind
from kanban.services import card_create, card_move, card_update
from postmortems.attribution import attribution_default
from postmortems.models import (
    TEXT_FIELDS,
    ActionItem,
    ActionPriority,
    ActionStatus,
    Postmortem,
    PostmortemSettings,
    Revision,
    Severity,
    Status,
    Tag,
    TimelineEntry,
    TimelineKind,
    prose_of,
)
from teams.audit import audit_record
from teams.models import Team


class PostmortemError(DomainError):
    """A change to a postmortem that cannot be made; the message says why, for a person."""


class PublishedError(PostmortemError):
    status_code = 409


# `postmortem_create` without a `caused_by_deployment`: attribute by default (None means none).
DEFAULT_ATTRIBUTION = object()


# --- settings ---------------------------------------------------------------------------


def settings_update(*, team: Team, by: User, **changes: Any) -> PostmortemSettings:
    """Change the team's severities, action SLOs, template sections, phrases, action board or label mapping."""
    allowed = {
        "severity_descriptions",
        "action_slo_weeks",
        "blame_phrases",
        "sections",
        "action_board",
        "severity_label",
        "severity_labels",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise PostmortemError(f"Cannot change {', '.join(sorted(unknown))} of the postmortem settings.")
    board = changes.get("action_board")
    if board is not None and board.team_id != team.pk:
        raise PostmortemError("That board belongs to another team.")
    found = PostmortemSettings.of(team, stored=True)
    for field, value in changes.items():
        setattr(found, field, value)
    found.save(update_fields=list(changes))
    audit_record(action="postmortem.settings_updated", actor=by, team=team, data={"fields": sorted(changes)})
    return found


# --- postmortems ------------------------------------------------------------------------


def _clean_tags(tags: Iterable[str]) -> list[str]:
    return sorted({tag.strip().lower()[:50] for tag in tags if tag and tag.strip()})


def _check_owner(team: Team, user: User | None) -> None:
    if user is not None and not team.memberships.filter(user=user).exists():
        raise PostmortemError(f"{user} is not a member of {team.name}.")


def postmortem_reindex(*, postmortem: Postmortem) -> None:
    """Rewrite the postmortem's search text from its fields, tags and timeline."""
    parts = [postmortem.title, postmortem.summary, postmortem.impact, postmortem.trigger]
    parts += [postmortem.detection, postmortem.resolution]
    for name in ("contributing_factors", "went_well", "went_wrong", "got_lucky", "links"):
        parts += [str(item) for item in getattr(postmortem, name)]
    parts += [f"{title}\n{text}" for title, text in postmortem.custom_sections.items()]
    parts += list(postmortem.tags.values_list("name", flat=True))
    parts += list(postmortem.timeline.values_list("text", flat=True))
    text = "\n".join(part for part in parts if part)
    Postmortem.objects.filter(pk=postmortem.pk).update(search_text=text)
    postmortem.search_text = text


def postmortem_create(
    *,
    team: Team,
    title: str,
    by: User | None,
    severity: str = Severity.SEV3,
    owner: User | None = None,
    tags: Iterable[str] = (),
    at: datetime | None = None,
    caused_by_deployment: Deployment | None | object = DEFAULT_ATTRIBUTION,
    **fields: Any,
) -> Postmortem:
    """Open a postmortem in draft; `fields` are any of the text and time fields.

    Without a `caused_by_deployment`, one with a start is attributed to the last successful
    production deployment of the 24 hours before it (`postmortems.attribution`).
    """
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise PostmortemError(f"Unknown postmortem fields: {', '.join(sorted(unknown))}.")
    if severity not in Severity.values:
        raise PostmortemError(f"Severity must be one of {', '.join(Severity.values)}.")
    owner = owner if owner is not None else by
    _check_owner(team, owner)
    _check_custom_sections(fields.get("custom_sections"))
    if "custom_sections" not in fields:  # the team's template: its own sections, empty
        fields["custom_sections"] = dict.fromkeys(PostmortemSettings.of(team).custom_section_titles(), "")
    if caused_by_deployment is DEFAULT_ATTRIBUTION:
        caused_by_deployment = attribution_default(team=team, started_at=fields.get("started_at"))
    deployment = _check_deployment(team, caused_by_deployment)
    now = at or timezone.now()
    with transaction.atomic():
        postmortem = Postmortem(
            team=team, title=title, severity=severity, owner=owner, created_by=by, created_at=now, updated_at=now
        )
        postmortem.caused_by_deployment = deployment
        for name, value in fields.items():
            setattr(postmortem, name, value)
        _check_times(postmortem)
        postmortem.save()
        Tag.objects.bulk_create(Tag(postmortem=postmortem, name=name) for name in _clean_tags(tags))
        postmortem_reindex(postmortem=postmortem)
        audit_record(action="postmortem.created", actor=by, team=team, obj=postmortem, data={"severity": severity})
        _mentions_announce(postmortem, by=by, after=prose_of(fields))
    return postmortem


def _mentions_announce(
    postmortem: Postmortem, *, by: User | None, after: Iterable[str], before: Iterable[str] = ()
) -> None:
    mentions_announce(
        team=postmortem.team,
        by=by,
        after=after,
        before=before,
        where=f"the postmortem “{postmortem.title}”",
        path=postmortem.get_absolute_url(),
    )


def _check_deployment(team: Team, deployment: object) -> Deployment | None:
    if deployment is None:
        return None
    if not isinstance(deployment, Deployment) or deployment.team_id != team.pk:
        raise PostmortemError("The deployment that caused the incident must be one of the team's.")
    return deployment


def _check_custom_sections(sections: object) -> None:
    if sections is None:
        return
    if not isinstance(sections, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= 100 for k, v in sections.items()
    ):
        raise PostmortemError("Custom sections are titles (up to 100 characters) with their text.")


def _check_times(postmortem: Postmortem) -> None:
    start = postmortem.started_at
    for name in ("detected_at", "mitigated_at", "resolved_at"):
        value = getattr(postmortem, name)
        if start is not None and value is not None and value < start:
            label = name.removesuffix("_at")
            raise PostmortemError(f"The incident cannot be {label} before it started; check the times.")


def _refuse_if_published(postmortem: Postmortem) -> None:
    if postmortem.status == Status.PUBLISHED:
        raise PublishedError("This postmortem is published: its text is read-only. Only action items change.")


def postmortem_update(
    *, postmortem: Postmortem, by: User, tags: Iterable[str] | None = None, **changes: Any
) -> Postmortem:
    """Change a postmortem's text, times, severity, owner, attribution or tags; a revision keeps the text before.

    A postmortem that gets its start without an attribution is attributed by default, as on creation.
    """
    allowed = set(TEXT_FIELDS) | {"owner", "caused_by_deployment"}
    unknown = set(changes) - allowed
    if unknown:
        raise PostmortemError(f"Cannot change {', '.join(sorted(unknown))} of a postmortem.")
    if changes.get("severity", postmortem.severity) not in Severity.values:
        raise PostmortemError(f"Severity must be one of {', '.join(Severity.values)}.")
    if "owner" in changes:
        _check_owner(postmortem.team, changes["owner"])
    _check_custom_sections(changes.get("custom_sections"))
    _check_deployment(postmortem.team, changes.get("caused_by_deployment"))
    with transaction.atomic():
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        _refuse_if_published(postmortem)
        before = postmortem.text_fields()
        if _gets_its_start(postmortem, changes):
            found = attribution_default(team=postmortem.team, started_at=changes["started_at"])
            changes = {**changes, "caused_by_deployment": found}
        changed = [name for name, value in changes.items() if getattr(postmortem, name) != value]
        for name, value in changes.items():
            setattr(postmortem, name, value)
        _check_times(postmortem)
        if tags is not None:
            new_tags = _clean_tags(tags)
            if new_tags != before["tags"]:
                changed.append("tags")
                postmortem.tags.all().delete()
                Tag.objects.bulk_create(Tag(postmortem=postmortem, name=name) for name in new_tags)
        if not changed:
            return postmortem
        postmortem.updated_at = timezone.now()
        postmortem.save()
        Revision.objects.create(postmortem=postmortem, action="edited", changed=sorted(changed), snapshot=before, by=by)
        postmortem_reindex(postmortem=postmortem)
        audit_record(
            action="postmortem.updated", actor=by, team=postmortem.team, obj=postmortem, data={"fields": changed}
        )
        _mentions_announce(postmortem, by=by, before=prose_of(before), after=prose_of(postmortem.text_fields()))
    return postmortem


def _gets_its_start(postmortem: Postmortem, changes: dict[str, Any]) -> bool:
    """Whether this change gives a postmortem its first start and leaves it without an attribution."""
    attributed = changes.get("caused_by_deployment", postmortem.caused_by_deployment)
    return postmortem.started_at is None and changes.get("started_at") is not None and attributed is None


def _transition(postmortem: Postmortem, *, by: User, action: str, **changes: Any) -> Postmortem:
    for name, value in changes.items():
        setattr(postmortem, name, value)
    postmortem.updated_at = timezone.now()
    postmortem.save(update_fields=[*changes, "updated_at"])
    Revision.objects.create(postmortem=postmortem, action=action, changed=[], snapshot=postmortem.text_fields(), by=by)
    audit_record(action=f"postmortem.{action}", actor=by, team=postmortem.team, obj=postmortem)
    return postmortem


def postmortem_request_review(*, postmortem: Postmortem, by: User, reviewers: Iterable[User]) -> Postmortem:
    """Send a draft to review by the named members (at least one)."""
    reviewers = list(reviewers)
    if not reviewers:
        raise PostmortemError("Name at least one reviewer.")
    team = postmortem.team
    member_ids = set(team.memberships.values_list("user_id", flat=True))
    if any(user.pk not in member_ids for user in reviewers):
        raise PostmortemError(f"Reviewers must be members of {team.name}.")
    with transaction.atomic():
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        if postmortem.status != Status.DRAFT:
            raise ConflictError("Only a draft can be sent to review.")
        postmortem.reviewers.set(reviewers)
        emit(
            team=team,
            event=Event.POSTMORTEM_REVIEW_REQUESTED,
            postmortem_id=postmortem.pk,
            title=postmortem.title,
            by=person(by),
            people=", ".join(person(user) for user in reviewers),
            reviewer_ids=[user.pk for user in reviewers],
            path=postmortem.get_absolute_url(),
        )
        return _transition(postmortem, by=by, action="review_requested", status=Status.IN_REVIEW)


def postmortem_approve(*, postmortem: Postmortem, by: User) -> Postmortem:
    """Record a reviewer's approval of a postmortem in review."""
    with transaction.atomic():
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        if postmortem.status != Status.IN_REVIEW:
            raise ConflictError("Only a postmortem in review can be approved.")
        if not postmortem.reviewers.filter(pk=by.pk).exists():
            raise PostmortemError("Only a reviewer of this postmortem can approve it.")
        return _transition(postmortem, by=by, action="approved", approved_by=by, approved_at=timezone.now())


def postmortem_publish(*, postmortem: Postmortem, by: User) -> Postmortem:
    """Publish an approved postmortem: its text becomes read-only."""
    with transaction.atomic():
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        if postmortem.status != Status.IN_REVIEW or postmortem.approved_at is None:
            raise ConflictError("A postmortem is published after a reviewer approved it.")
        emit(
            team=postmortem.team,
            event=Event.POSTMORTEM_PUBLISHED,
            postmortem_id=postmortem.pk,
            title=postmortem.title,
            severity=postmortem.severity,
            by=person(by),
            path=postmortem.get_absolute_url(),
        )
        return _transition(postmortem, by=by, action="published", status=Status.PUBLISHED, published_at=timezone.now())


def postmortem_reopen(*, postmortem: Postmortem, by: User) -> Postmortem:
    """Send a postmortem in review back to draft (the approval is dropped)."""
    with transaction.atomic():
        postmortem = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
        if postmortem.status != Status.IN_REVIEW:
            raise ConflictError("Only a postmortem in review goes back to draft.")
        return _transition(
            postmortem, by=by, action="back_to_draft", status=Status.DRAFT, approved_by=None, approved_at=None
        )


# --- timeline ---------------------------------------------------------------------------


def timeline_entry_add(
    *, postmortem: Postmortem, at: datetime, text: str, by: User | None, kind: str = TimelineKind.NOTE, source: str = ""
) -> TimelineEntry:
    """Add a timestamped entry; a `source` already on the timeline is not added twice."""
    _refuse_if_published(postmortem)
    if kind not in TimelineKind.values:
        raise PostmortemError(f"Kind must be one of {', '.join(TimelineKind.values)}.")
    if not text.strip():
        raise PostmortemError("Say what happened at that time.")
    if source:
        existing = postmortem.timeline.filter(source=source).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        entry = TimelineEntry.objects.create(
            postmortem=postmortem, at=at, kind=kind, text=text, source=source, created_by=by
        )
        postmortem_reindex(postmortem=postmortem)
        audit_record(action="postmortem.timeline_added", actor=by, team=postmortem.team, obj=entry)
        _mentions_announce(postmortem, by=by, after=[text])
    return entry


@dataclass(frozen=True)
class NewEntry:
    """One entry for `timeline_entries_add`."""

    at: datetime
    text: str
    kind: str = TimelineKind.NOTE
    source: str = ""


def timeline_entries_add(*, postmortem: Postmortem, entries: Iterable[NewEntry], by: User | None) -> int:
    """Add many entries at once (an alert group of thousands); a `source` already there is skipped.

    A constant number of queries: one to find the sources already on the timeline, batched inserts,
    one search-text rebuild and one audit event for the lot. Returns how many were added.
    """
    _refuse_if_published(postmortem)
    kinds = set(TimelineKind.values)
    entries = [e for e in entries if e.kind in kinds and e.text.strip()]
    seen = set(postmortem.timeline.exclude(source="").values_list("source", flat=True))
    new = []
    for entry in entries:
        if entry.source and entry.source in seen:
            continue
        seen.add(entry.source)
        new.append(
            TimelineEntry(
                postmortem=postmortem, at=entry.at, kind=entry.kind, text=entry.text, source=entry.source, created_by=by
            )
        )
    if not new:
        return 0
    with transaction.atomic():
        TimelineEntry.objects.bulk_create(new, batch_size=1000)
        postmortem_reindex(postmortem=postmortem)
        audit_record(
            action="postmortem.timeline_added",
            actor=by,
            team=postmortem.team,
            obj=postmortem,
            data={"entries": len(new)},
        )
    return len(new)


def timeline_entry_update(*, entry: TimelineEntry, by: User, **changes: Any) -> TimelineEntry:
    """Change an entry's time, kind or text."""
    unknown = set(changes) - {"at", "kind", "text"}
    if unknown:
        raise PostmortemError(f"Cannot change {', '.join(sorted(unknown))} of a timeline entry.")
    _refuse_if_published(entry.postmortem)
    if changes.get("kind", entry.kind) not in TimelineKind.values:
        raise PostmortemError(f"Kind must be one of {', '.join(TimelineKind.values)}.")
    if not changes.get("text", entry.text).strip():
        raise PostmortemError("Say what happened at that time.")
    before = entry.text
    with transaction.atomic():
        for name, value in changes.items():
            setattr(entry, name, value)
        entry.save(update_fields=list(changes))
        postmortem_reindex(postmortem=entry.postmortem)
        audit_record(action="postmortem.timeline_updated", actor=by, team=entry.postmortem.team, obj=entry)
        _mentions_announce(entry.postmortem, by=by, before=[before], after=[entry.text])
    return entry


def timeline_entry_delete(*, entry: TimelineEntry, by: User) -> None:
    _refuse_if_published(entry.postmortem)
    postmortem = entry.postmortem
    with transaction.atomic():
        audit_record(action="postmortem.timeline_deleted", actor=by, team=postmortem.team, obj=entry)
        entry.delete()
        postmortem_reindex(postmortem=postmortem)


# --- action items -----------------------------------------------------------------------


def _first_done_column(board: Board) -> Column | None:
    return board.columns.filter(is_done=True).order_by("position", "id").first()


def _first_open_column(board: Board) -> Column | None:
    return board.columns.filter(is_done=False).order_by("position", "id").first()


def action_item_create(
    *,
    postmortem: Postmortem,
    description: str,
    by: User,
    owner: User | None = None,
    due_date: date | None = None,
    priority: str = ActionPriority.NORMAL,
    board: Board | None = None,
) -> ActionItem:
    """Add an action item; with a board (the given one or the team's action board) it becomes a card there."""
    team = postmortem.team
    if not description.strip():
        raise PostmortemError("Describe the action.")
    if priority not in ActionPriority.values:
        raise PostmortemError(f"Priority must be one of {', '.join(ActionPriority.values)}.")
    _check_owner(team, owner)
    team_settings = PostmortemSettings.of(team)
    board = board or team_settings.action_board
    if board is not None and board.team_id != team.pk:
        raise PostmortemError("That board belongs to another team.")
    due_date = due_date or team_settings.due_date_for(postmortem.severity)
    with transaction.atomic():
        item = ActionItem.objects.create(
            postmortem=postmortem, description=description, owner=owner, due_date=due_date, priority=priority
        )
        if board is not None:
            item.card = card_create(
                board=board,
                title=description[:200],
                by=by,
                column=_first_open_column(board),
                assignees=[owner] if owner is not None else (),
                priority=priority,
                due_date=due_date,
                description=f"Action item of the postmortem “{postmortem.title}”.",
                source_kind=SourceKind.POSTMORTEM_ACTION,
                source_id=f"postmortem-{postmortem.pk}/action-{item.pk}",
                source_url=settings.SITE_URL + postmortem.get_absolute_url(),
            )
            item.save(update_fields=["card"])
        audit_record(action="postmortem.action_added", actor=by, team=team, obj=item, data={"card": item.card_id})
    return item


def action_item_update(*, item: ActionItem, by: User, **changes: Any) -> ActionItem:
    """Change an action item's description, owner, due date or priority (published postmortems too)."""
    unknown = set(changes) - {"description", "owner", "due_date", "priority"}
    if unknown:
        raise PostmortemError(f"Cannot change {', '.join(sorted(unknown))} of an action item.")
    if "owner" in changes:
        _check_owner(item.postmortem.team, changes["owner"])
    if not changes.get("description", item.description).strip():
        raise PostmortemError("Describe the action.")
    if changes.get("priority", item.priority) not in ActionPriority.values:
        raise PostmortemError(f"Priority must be one of {', '.join(ActionPriority.values)}.")
    with transaction.atomic():
        for name, value in changes.items():
            setattr(item, name, value)
        item.save(update_fields=list(changes))
        if item.card is not None:
            _card_follow(item, changes, by=by)
        audit_record(action="postmortem.action_updated", actor=by, team=item.postmortem.team, obj=item)
    return item


def _card_follow(item: ActionItem, changes: dict[str, Any], *, by: User) -> None:
    """Keep the item's card in step with what changed: its title, due date, priority and assignee."""
    assert item.card is not None
    card_changes = {
        card_field: changes[name]
        for name, card_field in (("description", "title"), ("due_date", "due_date"), ("priority", "priority"))
        if name in changes
    }
    if "title" in card_changes:
        card_changes["title"] = card_changes["title"][:200]
    assignees = None
    if "owner" in changes:
        assignees = [changes["owner"]] if changes["owner"] is not None else []
    card_update(card=item.card, by=by, assignees=assignees, **card_changes)


def action_item_set_done(*, item: ActionItem, done: bool, by: User) -> ActionItem:
    """Complete (or reopen) an action item; its card moves to the board's first done (or open) column."""
    with transaction.atomic():
        if item.card is not None:
            board = item.card.board
            target = _first_done_column(board) if done else _first_open_column(board)
            if target is None:
                kind = "done" if done else "open"
                raise PostmortemError(f"Board {board.name} has no {kind} column to move the card to.")
            if item.card.column.is_done != done:
                item.card = card_move(card=item.card, column=target, position=0, by=by)
                item.card.column = target
        item.stored_status = ActionStatus.DONE if done else ActionStatus.OPEN
        item.completed_at = timezone.now() if done else None
        item.save(update_fields=["stored_status", "completed_at"])
        audit_record(
            action="postmortem.action_done" if done else "postmortem.action_reopened",
            actor=by,
            team=item.postmortem.team,
            obj=item,
        )
    return item


def action_item_delete(*, item: ActionItem, by: User) -> None:
    """Remove an action item (its card stays on the board)."""
    audit_record(action="postmortem.action_deleted", actor=by, team=item.postmortem.team, obj=item)
    item.delete()


# --- search -----------------------------------------------------------------------------


def postmortem_search(*, postmortems: QuerySet, q: str) -> QuerySet:
    """Filter to postmortems matching `q`, best first, each with a `snippet` of highlighted HTML.

    PostgreSQL (`core.search.text_search`): full-text search on the stored, GIN-indexed `search_vector`
    the database derives from `search_text` (migration 0003). Elsewhere (SQLite in development): every
    word must appear (case-insensitive), newest first, and the snippet is the whole search text (the
    `snippet` template filter cuts and highlights it around the words).
    """
    return text_search(
        postmortems,
        q,
        fields=["search_text"],
        vector_field="search_vector",
        headline_field="search_text",
        order=[F("started_at").desc(nulls_last=True), "-id"],
    )


def members_named(*, team: Team) -> list[str]:
    """Usernames and first names of the team's members (for the blameless hints)."""
    users = get_user_model().objects.filter(memberships__team=team)
    names: set[str] = set()
    for username, first in users.values_list("username", "first_name"):
        names.update(name for name in (username, first) if name and len(name) > 2)
    return sorted(names)


def overdue_filter(today: date) -> Q:
    return Q(action_items__due_date__lt=today) & ~(
        Q(action_items__card__isnull=False, action_items__card__column__is_done=True)
        | Q(action_items__card__isnull=True, action_items__stored_status=ActionStatus.DONE)
    )
