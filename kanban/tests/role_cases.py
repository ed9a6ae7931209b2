"""Who may use each board page and API route (see teams/tests/roles.py for the fields).

Viewers read; members create, edit, move, archive and delete cards and create boards; a board's
settings (name, archiving, columns, swimlanes) and the team's labels are the owners'.
"""

from kanban.services import card_archive, card_create, checklist_item_add, swimlane_create
from kanban.tests.factories import make_board
from teams.models import Role
from teams.tests.roles import RoleCase


def board(setup) -> dict:
    """A board with three columns and one card in the first."""
    made = make_board(setup.team, by=setup.owner)
    columns = list(made.columns.all())
    card = card_create(board=made, title="Ship it", by=setup.owner)
    return {
        "board": made,
        "board_id": made.pk,
        "pk": made.pk,
        "column_id": columns[0].pk,
        "next_column_id": columns[1].pk,
        "card_id": card.pk,
    }


def card(setup) -> dict:
    objects = board(setup)
    objects["pk"] = objects["card_id"]
    return objects


def card_with_item(setup) -> dict:
    objects = card(setup)
    made = objects["board"].cards.get(pk=objects["card_id"])
    objects["item_id"] = checklist_item_add(card=made, text="Write the test", by=setup.owner).pk
    return objects


def archived_card(setup) -> dict:
    objects = card(setup)
    card_archive(card=objects["board"].cards.get(pk=objects["card_id"]), by=setup.owner)
    return objects


def empty_column(setup) -> dict:
    objects = board(setup)
    objects["column_id"] = objects["next_column_id"]
    return objects


def swimlane(setup) -> dict:
    objects = board(setup)
    objects["swimlane_id"] = swimlane_create(board=objects["board"], name="Expedite", by=setup.owner).pk
    return objects


def _confirm(objects) -> dict:
    return {"confirm": "yes"}


def _card_form(objects) -> dict:
    return {"title": "Ship it now", "description": "", "priority": "high", "blocked_reason": ""}


VIEWER_PAGES = [
    RoleCase("kanban:index", "GET", Role.VIEWER),
    RoleCase("kanban:board", "GET", Role.VIEWER, build=board),
    RoleCase("kanban:settings", "GET", Role.VIEWER, build=board),
    RoleCase("kanban:column", "GET", Role.VIEWER, build=board, htmx=True),
    RoleCase("kanban:column-more", "GET", Role.VIEWER, build=board, htmx=True),
    RoleCase("kanban:archived", "GET", Role.VIEWER, build=archived_card),
    RoleCase("kanban:board-csv", "GET", Role.VIEWER, build=archived_card),
    RoleCase("kanban:flow", "GET", Role.VIEWER, build=board),
    RoleCase("kanban:flow-json", "GET", Role.VIEWER, build=board),
    RoleCase("kanban:card", "GET", Role.VIEWER, build=card),
]

PAGE_WRITES = [
    RoleCase("kanban:board-new", "POST", Role.MEMBER, data=lambda o: {"name": "Ops", "columns": "To do, Done"}),
    RoleCase(
        "kanban:settings",
        "POST",
        Role.OWNER,
        build=board,
        data=lambda o: {"name": "Renamed", "archive_after_days": "14"},
    ),
    RoleCase(
        "kanban:column-new",
        "POST",
        Role.OWNER,
        build=board,
        data=lambda o: {"new-name": "QA", "new-wip_mode": "soft", "new-position": "9"},
    ),
    RoleCase(
        "kanban:column-edit",
        "POST",
        Role.OWNER,
        build=board,
        data=lambda o: {
            f"c{o['column_id']}-name": "Backlog",
            f"c{o['column_id']}-wip_mode": "hard",
            f"c{o['column_id']}-wip_limit": "5",
            f"c{o['column_id']}-position": "0",
        },
    ),
    RoleCase(
        "kanban:swimlane-new", "POST", Role.OWNER, build=board, data=lambda o: {"name": "Expedite", "wip_mode": "soft"}
    ),
    RoleCase("kanban:label-new", "POST", Role.OWNER, build=board, data=lambda o: {"name": "bug", "color": "red"}),
    RoleCase("kanban:quick-add", "POST", Role.MEMBER, build=board, data=lambda o: {"title": "Fix the build"}),
    RoleCase(
        "kanban:quick-add",
        "POST",
        Role.MEMBER,
        build=board,
        data=lambda o: {"title": "Fix the build"},
        htmx=True,
        label="htmx",
    ),
    RoleCase("kanban:card-edit", "POST", Role.MEMBER, build=card, data=_card_form),
    RoleCase("kanban:card-edit", "POST", Role.MEMBER, build=card, data=_card_form, htmx=True, label="htmx"),
    RoleCase(
        "kanban:card-move",
        "POST",
        Role.MEMBER,
        build=card,
        data=lambda o: {"column": o["next_column_id"], "position": "0"},
    ),
    RoleCase(
        "kanban:card-move",
        "POST",
        Role.MEMBER,
        build=card,
        data=lambda o: {"column": o["next_column_id"], "position": "0"},
        htmx=True,
        label="htmx",
    ),
    RoleCase("kanban:comment-new", "POST", Role.MEMBER, build=card, data=lambda o: {"body": "Looks good"}),
    RoleCase("kanban:checklist-new", "POST", Role.MEMBER, build=card, data=lambda o: {"text": "Deploy"}),
    RoleCase("kanban:checklist-toggle", "POST", Role.MEMBER, build=card_with_item, data=lambda o: {"done": "1"}),
    RoleCase("kanban:card-archive", "POST", Role.MEMBER, build=card),
    RoleCase("kanban:card-restore", "POST", Role.MEMBER, build=archived_card),
    RoleCase("kanban:card-delete", "POST", Role.MEMBER, build=card, data=lambda o: {"confirm": "yes"}),
    RoleCase(
        "kanban:card-delete",
        "POST",
        Role.MEMBER,
        build=card,
        data=lambda o: {"confirm": "yes"},
        htmx=True,
        label="htmx",
    ),
    RoleCase("kanban:card-delete", "POST", Role.MEMBER, build=card, changes=False, label="asks first"),
    RoleCase("kanban:board-changes", "GET", Role.VIEWER, build=board, data=lambda o: {"since": -1}, htmx=True),
    RoleCase("kanban:board-delete", "POST", Role.OWNER, build=board, data=_confirm),
    RoleCase("kanban:board-delete", "POST", Role.OWNER, build=board, changes=False, label="asks first"),
    RoleCase("kanban:column-delete", "POST", Role.OWNER, build=empty_column, data=_confirm),
    RoleCase("kanban:column-delete", "POST", Role.OWNER, build=empty_column, changes=False, label="asks first"),
    RoleCase("kanban:swimlane-delete", "POST", Role.OWNER, build=swimlane, data=_confirm),
    RoleCase("kanban:swimlane-delete", "POST", Role.OWNER, build=swimlane, changes=False, label="asks first"),
]

API = [
    RoleCase("board-list", "GET", Role.VIEWER),
    RoleCase(
        "board-list",
        "POST",
        Role.MEMBER,
        data=lambda o: {"name": "Ops", "columns": [{"name": "To do"}, {"name": "Done", "is_done": True}]},
    ),
    RoleCase("board-detail", "GET", Role.VIEWER, build=board),
    RoleCase("board-detail", "PUT", Role.OWNER, build=board, data=lambda o: {"name": "Renamed"}),
    RoleCase("board-detail", "PATCH", Role.OWNER, build=board, data=lambda o: {"archive_after_days": 14}),
    RoleCase("board-flow", "GET", Role.VIEWER, build=board),
    RoleCase("card-list", "GET", Role.VIEWER, build=board),
    RoleCase(
        "card-list", "POST", Role.MEMBER, build=board, data=lambda o: {"board": o["board_id"], "title": "From the API"}
    ),
    RoleCase("card-detail", "GET", Role.VIEWER, build=card),
    RoleCase(
        "card-detail",
        "PUT",
        Role.MEMBER,
        build=card,
        data=lambda o: {"board": o["board_id"], "title": "Renamed"},
    ),
    RoleCase("card-detail", "PATCH", Role.MEMBER, build=card, data=lambda o: {"title": "Renamed"}),
    RoleCase("card-detail", "DELETE", Role.MEMBER, build=card),
    RoleCase(
        "card-move", "POST", Role.MEMBER, build=card, data=lambda o: {"column": o["next_column_id"], "position": 0}
    ),
]

CASES = VIEWER_PAGES + PAGE_WRITES + API
