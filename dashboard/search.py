"""Search everything of a team: cards, postmortems, retro notes, synced issues and pull requests.

Each kind is searched by `core.search.text_search` (PostgreSQL full text, a word match on SQLite) and
gives at most `PER_KIND` results: one query per kind, whatever the data. Notes of anonymous retros are
never searched (their words must not be tied back to a time or a person), nor notes before the
reveal or hidden by the facilitator.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet

from core.search import search_terms, text_search
from integrations.models import Issue, PullRequest
from kanban.models import Card
from postmortems.models import Postmortem
from postmortems.services import postmortem_search
from retros.models import Note
from teams.models import Team

PER_KIND = 10


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Group:
    kind: str
    hits: list[Hit] = field(default_factory=list)


def team_search(*, team: Team, q: str) -> list[Group]:
    """The team's matches for `q`, grouped by kind (groups with no match left out)."""
    q = search_terms(q)
    if not q:
        return []
    groups = [
        Group("Cards", [_card(card) for card in _cards(team, q)]),
        Group("Postmortems", [_postmortem(pm) for pm in _postmortems(team, q)]),
        Group("Retro notes", [_note(note) for note in _notes(team, q)]),
        Group("Issues", [_github(row, "Issue") for row in _github_rows(Issue, team, q)]),
        Group("Pull requests", [_github(row, "Pull request") for row in _github_rows(PullRequest, team, q)]),
    ]
    return [group for group in groups if group.hits]


def _cards(team: Team, q: str) -> QuerySet[Card]:
    cards = Card.objects.for_team(team).select_related("team", "board", "column")
    return text_search(cards, q, fields=["title", "description"], order=["-id"])[:PER_KIND]


def _card(card: Card) -> Hit:
    archived = " (archived)" if card.archived_at else ""
    return Hit(card.title, card.get_absolute_url(), f"{card.board.name} · {card.column.name}{archived}")


def _postmortems(team: Team, q: str) -> QuerySet[Postmortem]:
    rows = Postmortem.objects.for_team(team).select_related("team").defer("search_text", "search_vector")
    return postmortem_search(postmortems=rows, q=q)[:PER_KIND]


def _postmortem(pm: Postmortem) -> Hit:
    return Hit(pm.title, pm.get_absolute_url(), f"{pm.severity} · {pm.get_status_display()}")


def _notes(team: Team, q: str) -> QuerySet[Note]:
    notes = (
        Note.objects.for_team(team)
        .filter(retro__anonymous=False, retro__notes_revealed=True, hidden=False)
        .select_related("retro__team")
    )
    return text_search(notes, q, fields=["text"], order=["-retro__id", "id"])[:PER_KIND]


def _note(note: Note) -> Hit:
    return Hit(note.text[:200], note.retro.get_absolute_url(), f"{note.retro.title} · {note.prompt}")


def _github_rows(model: type[Issue] | type[PullRequest], team: Team, q: str) -> QuerySet[Any]:
    rows = model.objects.for_team(team).filter(deleted_at=None).select_related("repository")
    return text_search(rows, q, fields=["title"], order=[F("created_at").desc(), "-id"])[:PER_KIND]


def _github(row: Any, kind: str) -> Hit:
    state = getattr(row, "shown_state", row.state)
    return Hit(row.title, row.html_url, f"{kind} {row.repository.full_name}#{row.number} · {state}")
