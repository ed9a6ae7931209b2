import json

import pytest
from django.urls import reverse

from core.tests.queries import SESSION_QUERIES
from kanban.models import Card
from kanban.positions import POSITION_GAP
from kanban.queries import PAGE_SIZE
from kanban.services import card_create, card_update, label_create
from kanban.tests.factories import make_board
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite, pytest.mark.production]


@pytest.fixture
def board(team, user):
    return make_board(team, by=user, limits={"Doing": (1, "hard")})


@pytest.fixture
def cols(board):
    return list(board.columns.all())


def board_url(board):
    return reverse("kanban:board", kwargs={"team": board.team.slug, "board_id": board.pk})


def move_url(card):
    return reverse("kanban:card-move", kwargs={"team": card.team.slug, "card_id": card.pk})


def page(response) -> str:
    """The HTML of a page that must have answered 200."""
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_board_shows_its_columns_and_cards(client_in, board, cols, user):
    card_create(board=board, title="Write the runbook", by=user)
    response = client_in.get(board_url(board))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write the runbook" in html and "To do" in html and "hard limit" in html


def test_the_board_index_lists_boards_and_creates_one(client_in, team, board):
    index = reverse("kanban:index", kwargs={"team": team.slug})
    assert "Delivery" in page(client_in.get(index))
    response = client_in.post(
        reverse("kanban:board-new", kwargs={"team": team.slug}), {"name": "Ops", "columns": "A, B"}
    )
    assert response.status_code == 302
    ops = team.boards.get(name="Ops")
    assert [(c.name, c.is_done) for c in ops.columns.all()] == [("A", False), ("B", True)]


def triggers(response) -> dict:
    return json.loads(response["HX-Trigger"])


def test_a_drag_and_drop_move_answers_with_events_that_refresh_its_columns(client_in, board, cols, user):
    a = card_create(board=board, title="a", by=user)
    b = card_create(board=board, title="b", by=user, position=1)
    response = client_in.post(move_url(a), {"column": cols[0].pk, "position": 1, "after": b.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    events = triggers(response)
    assert f"column-changed-{cols[0].pk}" in events
    assert events["board-status"] == {"text": "Moved to To do.", "refused": False}
    assert list(Card.objects.filter(column=cols[0]).order_by("position").values_list("title", flat=True)) == ["b", "a"]


def test_a_move_into_a_full_hard_limit_column_is_refused_and_its_column_refreshes(client_in, board, cols, user):
    card_create(board=board, title="busy", by=user, column=cols[1])
    card = card_create(board=board, title="waiting", by=user)
    response = client_in.post(move_url(card), {"column": cols[1].pk, "position": 0}, HTTP_HX_REQUEST="true")
    # 200: htmx drops the events of an error answer's swap; the refusal is in the status event.
    assert response.status_code == 200
    events = triggers(response)
    assert events["board-status"]["refused"] is True and "WIP limit of 1" in events["board-status"]["text"]
    assert f"column-changed-{cols[0].pk}" in events
    assert Card.objects.get(pk=card.pk).column == cols[0]
    plain = client_in.post(move_url(card), {"column": cols[1].pk, "position": 0})
    assert plain.status_code == 302
    assert "WIP limit of 1" in client_in.get(plain["Location"]).content.decode()


def test_the_keyboard_move_form_moves_and_redirects_to_the_card(client_in, board, cols, user):
    card = card_create(board=board, title="k", by=user)
    response = client_in.post(move_url(card), {"column": cols[2].pk, "position": 0})
    assert response.status_code == 302
    assert Card.objects.get(pk=card.pk).column == cols[2]
    card_page = page(client_in.get(response["Location"]))
    assert f"moved from To do → {cols[2].name}" in card_page


def test_quick_add_puts_the_card_at_the_bottom_and_returns_the_column(client_in, board, cols, user):
    card_create(board=board, title="older", by=user)
    url = reverse("kanban:quick-add", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": cols[0].pk})
    response = client_in.post(url, {"title": "fresh"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("older") < html.index("fresh")
    assert list(Card.objects.filter(column=cols[0]).order_by("position").values_list("title", flat=True)) == [
        "older",
        "fresh",
    ]


def test_quick_add_into_a_full_column_explains_the_refusal(client_in, board, cols, user):
    card_create(board=board, title="busy", by=user, column=cols[1])
    url = reverse("kanban:quick-add", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": cols[1].pk})
    response = client_in.post(url, {"title": "one more"}, HTTP_HX_REQUEST="true")
    assert "WIP limit of 1" in response.content.decode()
    assert not Card.objects.filter(title="one more").exists()


def test_filters_stay_in_the_url_and_narrow_the_cards(client_in, board, user, team):
    bug = label_create(team=team, name="bug", color="red", by=user)
    tagged = card_create(board=board, title="tagged card", by=user)
    card_update(card=tagged, by=user, labels=[bug], assignees=[user])
    card_create(board=board, title="plain card", by=user)
    html = page(client_in.get(board_url(board), {"label": "bug"}))
    assert "tagged card" in html and "plain card" not in html
    assert "label=bug" in html  # lazy-load and refresh links keep the filter
    html = page(client_in.get(board_url(board), {"assignee": user.username, "q": "tagged"}))
    assert "tagged card" in html and "plain card" not in html
    html = page(client_in.get(board_url(board), {"blocked": "1"}))
    assert "tagged card" not in html


def test_a_long_column_loads_its_cards_page_by_page(client_in, board, cols, user):
    Card.objects.bulk_create(
        Card(team=board.team, board=board, column=cols[0], position=i, title=f"card {i:03d}")
        for i in range(PAGE_SIZE + 5)
    )
    html = page(client_in.get(board_url(board)))
    assert f"card {PAGE_SIZE - 1:03d}" in html and f"card {PAGE_SIZE:03d}" not in html
    more = reverse(
        "kanban:column-more", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": cols[0].pk}
    )
    rest = page(client_in.get(more, {"after": PAGE_SIZE - 1}))
    assert f"card {PAGE_SIZE:03d}" in rest and f"card {PAGE_SIZE + 4:03d}" in rest and "card 000" not in rest


def test_the_card_panel_shows_the_rendered_description_and_history(client_in, board, user):
    card = card_create(board=board, title="t", by=user, description="# Steps\n\n<img src=x onerror=alert(1)>")
    response = client_in.get(card.get_absolute_url(), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<h1>Steps</h1>" in html and '<img src="x">' in html
    assert "onerror=alert(1)>" not in html  # only the escaped source in the edit form's textarea
    assert "created in To do" in html and "<html" not in html


def test_editing_a_card_records_history(client_in, board, user):
    card = card_create(board=board, title="t", by=user)
    url = reverse("kanban:card-edit", kwargs={"team": board.team.slug, "card_id": card.pk})
    data = {"title": "t2", "description": "", "priority": "high", "blocked": "on", "blocked_reason": "vendor"}
    response = client_in.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"column-changed-{card.column_id}" in triggers(response)
    assert list(card.events.values_list("kind", flat=True)) == ["created", "blocked", "edited"]


def test_a_viewer_cannot_move_cards(client, board, cols, user):
    viewer = MembershipFactory(team=board.team, role="viewer").user
    card = card_create(board=board, title="t", by=user)
    client.force_login(viewer)
    assert client.get(board_url(board)).status_code == 200
    assert client.post(move_url(card), {"column": cols[1].pk, "position": 0}).status_code == 403


def test_archived_cards_leave_the_board_but_stay_searchable(client_in, board, user):
    from kanban.services import card_archive

    card = card_create(board=board, title="old release notes", by=user)
    card_archive(card=card, by=user)
    assert "old release notes" not in page(client_in.get(board_url(board)))
    url = reverse("kanban:archived", kwargs={"team": board.team.slug, "board_id": board.pk})
    assert "old release notes" in page(client_in.get(url, {"q": "release"}))


def test_the_flow_page_and_json_render(client_in, board, cols, user):
    from kanban.services import card_move

    card = card_create(board=board, title="t", by=user)
    card_move(card=card, column=cols[2], position=0, by=user)
    url = reverse("kanban:flow", kwargs={"team": board.team.slug, "board_id": board.pk})
    assert "Lead time" in page(client_in.get(url))
    data = client_in.get(reverse("kanban:flow-json", kwargs={"team": board.team.slug, "board_id": board.pk})).json()
    assert data["lead_time"]["count"] == 1


def test_settings_change_columns_labels_and_swimlanes(client_in, board, cols, team):
    kw = {"team": team.slug, "board_id": board.pk}
    assert client_in.get(reverse("kanban:settings", kwargs=kw)).status_code == 200
    response = client_in.post(
        reverse("kanban:column-edit", kwargs={**kw, "column_id": cols[0].pk}),
        {
            f"c{cols[0].pk}-name": "Backlog",
            f"c{cols[0].pk}-wip_limit": "5",
            f"c{cols[0].pk}-wip_mode": "hard",
            f"c{cols[0].pk}-position": "0",
        },
    )
    assert response.status_code == 302
    cols[0].refresh_from_db()
    assert (cols[0].name, cols[0].wip_limit, cols[0].wip_mode) == ("Backlog", 5, "hard")
    client_in.post(reverse("kanban:label-new", kwargs=kw), {"name": "infra", "color": "teal"})
    client_in.post(
        reverse("kanban:swimlane-new", kwargs=kw), {"name": "Expedite", "wip_limit": "1", "wip_mode": "hard"}
    )
    client_in.post(reverse("kanban:settings", kwargs=kw), {"name": "Delivery", "archive_after_days": "14"})
    board.refresh_from_db()
    assert board.archive_after_days == 14
    assert team.labels.filter(name="infra", color="teal").exists()
    assert board.swimlanes.filter(name="Expedite", wip_limit=1).exists()


def _fill(board, cols, user, n):
    from kanban.models import ChecklistItem

    label = label_create(team=board.team, name="ops", color="green", by=user)
    cards = Card.objects.bulk_create(
        Card(team=board.team, board=board, column=cols[i % 3], position=i // 3, title=f"card {i}") for i in range(n)
    )
    Card.labels.through.objects.bulk_create(Card.labels.through(card=c, label=label) for c in cards)
    Card.assignees.through.objects.bulk_create(Card.assignees.through(card=c, user=user) for c in cards)
    ChecklistItem.objects.bulk_create(ChecklistItem(card=c, text="check") for c in cards)


BOARD_PAGE_QUERIES = 11 + SESSION_QUERIES


@pytest.mark.parametrize("n", [10, 2000])
def test_the_board_page_runs_the_same_queries_for_10_and_2000_cards(
    client_in, board, cols, user, n, django_assert_num_queries
):
    _fill(board, cols, user, n)
    with django_assert_num_queries(BOARD_PAGE_QUERIES):
        response = client_in.get(board_url(board))
    assert response.status_code == 200
    assert response.content.decode().count('class="board-card ') == min(n, 3 * PAGE_SIZE)


def test_a_checklist_item_is_added_and_ticked_from_the_panel(client_in, board, user):
    card = card_create(board=board, title="t", by=user)
    kw = {"team": board.team.slug, "card_id": card.pk}
    client_in.post(reverse("kanban:checklist-new", kwargs=kw), {"text": "backup first"}, HTTP_HX_REQUEST="true")
    item = card.checklist.get()
    response = client_in.post(
        reverse("kanban:checklist-toggle", kwargs={**kw, "item_id": item.pk}), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Mark not done" in response.content.decode()
    item.refresh_from_db()
    assert item.done
    board_html = page(client_in.get(board_url(board)))
    assert "1/1 done" in board_html


def test_a_move_made_on_a_stale_view_lands_next_to_the_card_it_was_dropped_by(client_in, board, cols, user):
    a = card_create(board=board, title="a", by=user, position=0)
    b = card_create(board=board, title="b", by=user, position=1)
    moving = card_create(board=board, title="moving", by=user, column=cols[2])
    # While the page was open, someone else put two cards on top of To do.
    card_create(board=board, title="new 1", by=user)
    card_create(board=board, title="new 2", by=user)
    # The stale page saw [a, b] and dropped "moving" between them: position 1, after a, before b.
    response = client_in.post(
        move_url(moving),
        {"column": cols[0].pk, "position": 1, "after": a.pk, "before": b.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    order = list(Card.objects.filter(column=cols[0]).order_by("position").values_list("title", flat=True))
    assert order == ["new 2", "new 1", "a", "moving", "b"]
    column_url = reverse(
        "kanban:column", kwargs={"team": board.team.slug, "board_id": board.pk, "column_id": cols[0].pk}
    )
    fresh = client_in.get(column_url).content.decode()
    assert [fresh.index(f">{t}<") for t in order] == sorted(fresh.index(f">{t}<") for t in order)


def test_a_board_with_swimlanes_shows_a_list_per_lane_and_moves_between_lanes(client_in, team, user):
    from kanban.services import board_create

    board = board_create(
        team=team,
        name="Lanes",
        by=user,
        columns=[{"name": "To do"}, {"name": "Done", "is_done": True}],
        swimlanes=[{"name": "Expedite", "wip_limit": 1, "wip_mode": "hard"}, {"name": "Standard"}],
    )
    todo, _ = board.columns.all()
    expedite, standard = board.swimlanes.all()
    card = card_create(board=board, title="fire", by=user, swimlane=standard)
    html = page(client_in.get(board_url(board)))
    assert 'aria-label="To do, Expedite"' in html and 'aria-label="To do, Standard"' in html
    response = client_in.post(
        move_url(card), {"column": todo.pk, "position": 0, "swimlane": expedite.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert Card.objects.get(pk=card.pk).swimlane == expedite


def test_an_overdue_card_says_so_in_words(client_in, board, user):
    from datetime import timedelta

    from django.utils import timezone

    card_create(board=board, title="late", by=user, due_date=timezone.localdate() - timedelta(days=1))
    card_create(board=board, title="later", by=user, due_date=timezone.localdate() + timedelta(days=30))
    html = page(client_in.get(board_url(board)))
    assert html.count("Overdue") == 1 and html.count(">Due ") == 1
    soon = page(client_in.get(board_url(board), {"due": "soon"}))
    assert ">late<" in soon and ">later<" not in soon


@pytest.mark.parametrize("n", [100, 5000])
def test_a_dropped_card_costs_the_same_queries_whatever_the_column_length(
    client_in, board, cols, user, n, django_assert_num_queries
):
    Card.objects.bulk_create(
        Card(team=board.team, board=board, column=cols[2], position=i * POSITION_GAP, title=f"bulk {i}")
        for i in range(n)
    )
    card = card_create(board=board, title="moving", by=user)
    after, before = Card.objects.filter(column=cols[2]).order_by("position")[n // 2 : n // 2 + 2]
    # 12 here = session (unless cached), user, membership, the card, then the move's 8 (6 and the
    # savepoint pair of the test's transaction): 10 statements in production, whatever the length.
    with django_assert_num_queries(11 + SESSION_QUERIES):
        response = client_in.post(
            move_url(card), {"column": cols[2].pk, "after": after.pk, "before": before.pk}, HTTP_HX_REQUEST="true"
        )
    assert triggers(response)["board-status"]["text"] == "Moved to Done."


def changes_url(board, since):
    url = reverse("kanban:board-changes", kwargs={"team": board.team.slug, "board_id": board.pk})
    return f"{url}?since={since}"


def test_an_unchanged_live_poll_is_a_204_that_reads_no_board_table(
    client_in, board, cols, user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    page = client_in.get(board_url(board))
    version = int(page.content.decode().split('data-version="')[1].split('"')[0])
    # The session opened the board (its access check passed): the session and the cache answer, no table.
    with django_assert_num_queries(SESSION_QUERIES):
        unchanged = client_in.get(changes_url(board, version))
    assert unchanged.status_code == 204 and unchanged.content == b""
    with django_capture_on_commit_callbacks(execute=True):  # the version moves once the change is committed
        card = card_create(board=board, title="new", by=user)
        client_in.post(move_url(card), {"column": cols[2].pk}, HTTP_HX_REQUEST="true")
    changed = client_in.get(changes_url(board, version))
    assert changed.status_code == 200
    assert changed.json()["version"] > version and set(changed.json()["columns"]) == {cols[0].pk, cols[2].pk}
    assert client_in.get(changes_url(board, changed.json()["version"])).status_code == 204


def test_a_live_poll_for_another_teams_board_is_a_404(client_in, user, other_team):
    foreign = make_board(other_team)
    assert client_in.get(changes_url(foreign, 0)).status_code == 404


def test_the_first_delete_click_asks_and_deletes_nothing(client_in, board, user):
    card = card_create(board=board, title="keep me", by=user)
    url = reverse("kanban:card-delete", kwargs={"team": board.team.slug, "card_id": card.pk})
    asked = client_in.post(url)
    assert asked.status_code == 200 and "Yes, delete “keep me”" in asked.content.decode()
    assert Card.objects.filter(pk=card.pk).exists()
    assert client_in.post(url, {"confirm": "yes"}).status_code == 302
    assert not Card.objects.filter(pk=card.pk).exists()


def test_history_names_fields_as_people_say_them(client_in, board, user):
    card = card_create(board=board, title="t", by=user)
    card_update(card=card, by=user, due_date="2030-01-01", blocked=True, blocked_reason="vendor")
    card_update(card=card, by=user, blocked_reason="vendor, still")
    html = client_in.get(reverse("kanban:card", kwargs={"team": board.team.slug, "card_id": card.pk})).content
    history = html.decode().split('class="list history"')[1].split("</ol>")[0]
    assert "edited due date" in history and "edited blocked reason" in history
    assert "due_date" not in history


def test_deleting_a_column_a_swimlane_or_a_board_asks_first(client_in, team, user):
    from kanban.models import Board, Column, Swimlane
    from kanban.services import board_create

    board = board_create(
        team=team,
        name="Doomed",
        by=user,
        columns=[{"name": "Empty"}, {"name": "Full"}],
        swimlanes=[{"name": "Lane"}],
    )
    empty, full = board.columns.all()
    lane = board.swimlanes.get()
    card_create(board=board, title="held", by=user, column=full, swimlane=lane)
    kwargs = {"team": team.slug, "board_id": board.pk}
    urls = [
        reverse("kanban:column-delete", kwargs={**kwargs, "column_id": empty.pk}),
        reverse("kanban:swimlane-delete", kwargs={**kwargs, "swimlane_id": lane.pk}),
        reverse("kanban:board-delete", kwargs=kwargs),
    ]
    for url in urls:
        asked = client_in.post(url)
        assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    assert Column.objects.filter(board=board).count() == 2 and Swimlane.objects.filter(pk=lane.pk).exists()
    # Confirmed: the empty column goes, a column holding a card is refused, the lane goes, then the board.
    assert client_in.post(urls[0], {"confirm": "yes"}).status_code == 302
    refused = client_in.post(
        reverse("kanban:column-delete", kwargs={**kwargs, "column_id": full.pk}), {"confirm": "yes"}, follow=True
    )
    assert "still holds 1 card" in refused.content.decode() and Column.objects.filter(pk=full.pk).exists()
    assert client_in.post(urls[1], {"confirm": "yes"}).status_code == 302
    assert Card.objects.get(title="held").swimlane is None
    assert client_in.post(urls[2], {"confirm": "yes"}).status_code == 302
    assert not Board.objects.filter(pk=board.pk).exists() and not Card.objects.filter(title="held").exists()


def test_the_panel_up_and_down_buttons_move_the_card_by_one_place(client_in, board, cols, user):
    a, b, c = (card_create(board=board, title=t, by=user, position=None) for t in "abc")
    panel = client_in.get(reverse("kanban:card", kwargs={"team": board.team.slug, "card_id": b.pk})).content.decode()
    assert "position 2" in panel
    assert f'name="before" value="{a.pk}"' in panel and f'name="after" value="{c.pk}"' in panel
    client_in.post(move_url(b), {"column": cols[0].pk, "after": c.pk}, HTTP_HX_REQUEST="true")
    assert list(Card.objects.filter(column=cols[0]).order_by("position").values_list("title", flat=True)) == list("acb")
