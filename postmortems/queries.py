"""Read side of the postmortem pages: the filtered list, one postmortem with everything it shows, gaps."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date

from postmortems.models import ActionItem, ActionStatus, Postmortem, Revision, Severity, Status, Tag, TimelineEntry
from postmortems.services import postmortem_search
from teams.models import Team

LONG_GAP = timedelta(minutes=30)
SORTS = {"date": "Newest first", "severity": "Severity", "ttr": "Longest time to restore"}


@dataclass
class ListFilters:
    q: str = ""
    status: str = ""
    severity: str = ""
    tag: str = ""
    since: str = ""
    until: str = ""
    open_actions: str = ""
    sort: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "ListFilters":
        found = cls(**{f.name: query.get(f.name, "").strip()[:200] for f in fields(cls)})
        found.status = found.status if found.status in Status.values else ""
        found.severity = found.severity if found.severity in Severity.values else ""
        found.sort = found.sort if found.sort in SORTS else ""
        found.since = found.since if _date(found.since) else ""
        found.until = found.until if _date(found.until) else ""
        return found

    def querystring(self) -> str:
        return urlencode({f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)})

    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


def _open_item() -> Q:
    """An action item not done: its card outside done columns, or (without a card) its stored status."""
    return Q(card__isnull=False, card__column__is_done=False) | Q(card__isnull=True, stored_status=ActionStatus.OPEN)


def postmortem_list(*, team: Team, filters: ListFilters, today: date | None = None) -> QuerySet[Postmortem]:
    """The team's postmortems, filtered and sorted, with tags and action counts: a constant number of queries."""
    today = today or timezone.localdate()
    open_items = ActionItem.objects.filter(_open_item(), postmortem=OuterRef("pk"))
    postmortems: QuerySet[Postmortem] = (
        Postmortem.objects.for_team(team)
        .select_related("owner")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .defer("search_text", "search_vector")
        .annotate(
            open_actions=Coalesce(Subquery(open_items.values("postmortem").annotate(n=Count("pk")).values("n")), 0),
            overdue=Exists(open_items.filter(due_date__lt=today)),
        )
    )
    if filters.status:
        postmortems = postmortems.filter(status=filters.status)
    if filters.severity:
        postmortems = postmortems.filter(severity=filters.severity)
    if filters.tag:
        postmortems = postmortems.filter(
            Exists(Tag.objects.filter(postmortem=OuterRef("pk"), name=filters.tag.lower()))
        )
    if filters.since:
        postmortems = postmortems.filter(started_at__date__gte=_date(filters.since))
    if filters.until:
        postmortems = postmortems.filter(started_at__date__lte=_date(filters.until))
    if filters.open_actions:
        postmortems = postmortems.filter(Exists(open_items))
    if filters.q:
        postmortems = postmortem_search(postmortems=postmortems, q=filters.q)
    if filters.sort == "severity":
        return postmortems.order_by("severity", F("started_at").desc(nulls_last=True), "-id")
    if filters.sort == "ttr":
        restore = Case(When(resolved_at__isnull=True, then=Value(None)), default=F("resolved_at") - F("started_at"))
        return postmortems.annotate(ttr=restore).order_by(F("ttr").desc(nulls_last=True), "-id")
    if filters.q:
        return postmortems
    return postmortems.order_by(F("started_at").desc(nulls_last=True), "-id")


def postmortem_detail(*, team: Team, pm_id: int) -> Postmortem:
    """One postmortem with its tags, reviewers, timeline, action items (and cards) and revisions."""
    postmortems = (
        Postmortem.objects.for_team(team)
        .select_related("team", "owner", "approved_by", "caused_by_deployment__repository")
        .prefetch_related(
            "tags",
            "reviewers",
            "timeline",
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("owner", "card__column", "card__board", "card__team"),
            ),
            Prefetch("revisions", queryset=Revision.objects.select_related("by")),
        )
    )
    return get_object_or_404(postmortems, pk=pm_id)


def timeline_with_gaps(entries: Iterable[TimelineEntry]) -> list[tuple[TimelineEntry, timedelta | None]]:
    """(entry, gap) pairs in time order; gap is the time since the previous entry when it is long, else None."""
    pairs: list[tuple[TimelineEntry, timedelta | None]] = []
    previous: TimelineEntry | None = None
    for entry in entries:
        gap: timedelta | None = entry.at - previous.at if previous is not None else None
        pairs.append((entry, gap if gap is not None and gap >= LONG_GAP else None))
        previous = entry
    return pairs


def open_action_items(*, team: Team) -> QuerySet[ActionItem]:
    """Open action items of the team, the most overdue first."""
    return (
        ActionItem.objects.for_team(team)
        .filter(_open_item())
        .select_related("owner", "postmortem", "card__column")
        .annotate(no_due=Case(When(due_date__isnull=True, then=1), default=0, output_field=IntegerField()))
        .order_by("no_due", "due_date", "id")
    )
