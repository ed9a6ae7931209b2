import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kanban.models import Card
from kanban.positions import POSITION_GAP
from kanban.services import card_create, card_update, label_create
from kanban.tests.factories import make_board
from teams.models import AuditEvent
from teams.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(team, user):
    return make_board(team, by=user, limits={"Doing": (1, "hard")})


@pytest.fixture
def cols(board):
    return list(board.columns.all())


def api(team, path=""):
    return f"/api/v1/teams/{team.slug}/{path}"


def test_a_board_is_created_with_nested_columns(api_client, team):
    body = {
        "name": "Platform",
        "columns": [
            {"name": "To do"},
            {"name": "Doing", "wip_limit": 2, "wip_mode": "hard"},
            {"name": "Done", "is_done": True},
        ],
    }
    response = api_client.post(api(team, "boards/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [(c["name"], c["position"], c["wip_limit"], c["wip_mode"], c["is_done"]) for c in data["columns"]] == [
        ("To do", 0, None, "soft", False),
        ("Doing", 1, 2, "hard", False),
        ("Done", 2, None, "soft", True),
    ]
    assert data["html_url"].endswith(f"/t/{team.slug}/board/{data['id']}/")
    assert AuditEvent.objects.filter(action="board.created", team=team).exists()


def test_cards_are_created_listed_updated_and_deleted(api_client, client_in, team, board, cols, user):
    label_create(team=team, name="bug", color="red", by=user)
    response = api_client.post(
        api(team, "cards/"),
        {
            "board": board.pk,
            "title": "Rotate keys",
            "description": "*now*",
            "assignees": [user.username],
            "labels": ["bug"],
            "priority": "high",
            "due_date": "2030-01-02",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    card = response.json()
    assert card["column"] == cols[0].pk and card["position"] == 0
    assert card["description_html"] == "<p><em>now</em></p>"
    assert card["assignees"] == [user.username] and card["labels"] == ["bug"]
    detail = client_in.get(card["html_url"].replace("http://testserver", ""))
    assert detail.status_code == 200 and b"Rotate keys" in detail.content

    listed = api_client.get(api(team, "cards/"), {"label": "bug", "assignee": user.username, "q": "rotate"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == card["id"]
    assert api_client.get(api(team, "cards/"), {"column": cols[1].pk}).json()["count"] == 0

    patched = api_client.patch(
        api(team, f"cards/{card['id']}/"), {"blocked": True, "blocked_reason": "CAB"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["blocked"] is True
    assert api_client.patch(api(team, f"cards/{card['id']}/"), {"column": cols[1].pk}, format="json").status_code == 400

    assert api_client.delete(api(team, f"cards/{card['id']}/")).status_code == 204
    assert not Card.objects.filter(pk=card["id"]).exists()


def test_a_card_read_changed_and_put_back_is_a_full_update_but_not_a_move(api_client, team, board, cols, user):
    card = card_create(board=board, title="a", by=user, description="old")
    answered = api_client.get(api(team, f"cards/{card.pk}/")).json()
    # What is read cannot all be written back: a body naming a read-only field is refused, naming each.
    refused = api_client.put(api(team, f"cards/{card.pk}/"), answered, format="json")
    assert refused.status_code == 400 and {"id", "html_url"} <= set(refused.json())
    read = {name: value for name, value in answered.items() if name not in refused.json()}
    put = api_client.put(api(team, f"cards/{card.pk}/"), read | {"title": "Renamed", "labels": []}, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["title"] == "Renamed" and put.json()["description"] == "old"
    assert (put.json()["column"], put.json()["position"]) == (read["column"], read["position"])
    minimal = api_client.put(api(team, f"cards/{card.pk}/"), {"board": board.pk, "title": "Short"}, format="json")
    assert minimal.status_code == 200 and minimal.json()["description"] == "old"
    for moved in ({"column": cols[1].pk}, {"position": read["position"] + 1}, {"board": make_board(team).pk}):
        refused = api_client.put(api(team, f"cards/{card.pk}/"), read | moved, format="json")
        assert refused.status_code == 400, moved
        assert refused.json()[next(iter(moved))] == ["Change where a card is with POST cards/<id>/move/."]
    card.refresh_from_db()
    assert (card.title, card.column_id) == ("Short", cols[0].pk)


def test_the_move_endpoint_moves_and_answers_409_on_a_hard_limit(api_client, team, board, cols, user):
    a = card_create(board=board, title="a", by=user)
    b = card_create(board=board, title="b", by=user)
    response = api_client.post(api(team, f"cards/{a.pk}/move/"), {"column": cols[1].pk, "position": 0}, format="json")
    assert response.status_code == 200 and response.json()["column"] == cols[1].pk
    refused = api_client.post(api(team, f"cards/{b.pk}/move/"), {"column": cols[1].pk, "position": 0}, format="json")
    assert refused.status_code == 409
    assert "Doing is at its WIP limit of 1" in refused.json()["detail"]


def test_bad_input_gets_a_clear_400(api_client, team, board, cols, user, other_team):
    card = card_create(board=board, title="a", by=user)
    foreign = make_board(other_team)
    bodies = ({"column": foreign.columns.first().pk}, {"column": "x"}, {"position": -1, "column": cols[0].pk}, [None])
    for body in bodies:
        response = api_client.post(api(team, f"cards/{card.pk}/move/"), body, format="json")
        assert response.status_code == 400 and "detail" in response.json()
    response = api_client.post(api(team, "cards/"), {"board": foreign.pk, "title": "x"}, format="json")
    assert response.status_code == 400
    stranger = MembershipFactory(team=other_team).user
    response = api_client.post(
        api(team, "cards/"), {"board": board.pk, "title": "x", "assignees": [stranger.username]}, format="json"
    )
    assert response.status_code == 400
    assert api_client.get(api(team, "cards/"), {"board": "abc"}).status_code == 400


def test_a_viewer_reads_but_cannot_write(team, board, user):
    from rest_framework.test import APIClient

    viewer = MembershipFactory(team=team, role="viewer").user
    client = APIClient()
    client.force_authenticate(viewer)
    assert client.get(api(team, "cards/")).status_code == 200
    assert client.post(api(team, "cards/"), {"board": board.pk, "title": "x"}, format="json").status_code == 403


def test_the_flow_metrics_endpoint_answers_json(api_client, team, board, cols, user):
    card = card_create(board=board, title="a", by=user)
    card_update(card=card, by=user, title="b")
    data = api_client.get(api(team, f"boards/{board.pk}/flow/"), {"days": 14}).json()
    assert data["days"] == 14 and len(data["cfd"]["dates"]) == 14
    assert data["cfd"]["series"][0]["counts"][-1] == 1


def _fill(board, cols, user, n):
    label = label_create(team=board.team, name="ops", color="green", by=user)
    cards = Card.objects.bulk_create(
        Card(team=board.team, board=board, column=cols[i % 3], position=i // 3, title=f"card {i}") for i in range(n)
    )
    Card.labels.through.objects.bulk_create(Card.labels.through(card=c, label=label) for c in cards)
    Card.assignees.through.objects.bulk_create(Card.assignees.through(card=c, user=user) for c in cards)


@pytest.mark.parametrize("n", [10, 2000])
def test_the_card_list_runs_the_same_queries_for_10_and_2000_cards(api_client, team, board, cols, user, n):
    _fill(board, cols, user, n)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(api(team, "cards/"), {"board": board.pk})
    assert response.status_code == 200 and response.json()["count"] == n
    # membership, count, page, assignees, labels
    assert len(queries) == 5, [q["sql"] for q in queries]
    # The list reads them from the prefetched lists (kanban.api.ListedManyRelatedField): every card has both.
    results = response.json()["results"]
    assert {(tuple(c["labels"]), tuple(c["assignees"])) for c in results} == {(("ops",), (user.username,))}


def test_the_api_move_lands_next_to_its_anchor_card(api_client, team, board, cols, user):
    a, b, c = (card_create(board=board, title=t, by=user, position=None) for t in "abc")
    response = api_client.post(api(team, f"cards/{c.pk}/move/"), {"column": cols[0].pk, "after": a.pk}, format="json")
    assert response.status_code == 200
    assert list(Card.objects.filter(column=cols[0]).order_by("position").values_list("title", flat=True)) == list("acb")
    bad = api_client.post(api(team, f"cards/{c.pk}/move/"), {"column": 999999}, format="json")
    assert bad.status_code == 400 and "not on this card's board" in bad.json()["detail"]


def test_a_blocked_card_is_created_in_one_step_with_one_history_line(api_client, team, board, user):
    body = {"board": board.pk, "title": "waits", "blocked": True, "blocked_reason": "vendor"}
    response = api_client.post(api(team, "cards/"), body, format="json")
    assert response.status_code == 201 and response.json()["blocked"] is True
    card = Card.objects.get(pk=response.json()["id"])
    assert list(card.events.values_list("kind", "data")) == [("created", {"to": "To do", "blocked": "vendor"})]
    refused = api_client.post(api(team, "cards/"), {**body, "blocked_reason": ""}, format="json")
    assert refused.status_code == 400 and not Card.objects.filter(title="waits").exclude(pk=card.pk).exists()


def test_the_card_list_takes_pages_of_up_to_500_and_the_board_page_filters(api_client, team, board, cols, user):
    Card.objects.bulk_create(
        Card(team=team, board=board, column=cols[0], position=i, title=f"c{i}", blocked=i % 2 == 0) for i in range(600)
    )
    page = api_client.get(api(team, "cards/"), {"page_size": 1000}).json()
    assert page["count"] == 600 and len(page["results"]) == 500 and page["next"]
    # The same filter class as the board page: `blocked` now narrows the API list too.
    assert api_client.get(api(team, "cards/"), {"blocked": "true"}).json()["count"] == 300
    assert api_client.get(api(team, "cards/"), {"board": "x"}).status_code == 400


@pytest.mark.parametrize("n", [100, 5000])
def test_an_api_move_costs_the_same_queries_whatever_the_column_length(
    api_client, team, board, cols, user, n, django_assert_num_queries
):
    Card.objects.bulk_create(
        Card(team=team, board=board, column=cols[2], position=i * POSITION_GAP, title=f"bulk {i}") for i in range(n)
    )
    card = card_create(board=board, title="moving", by=user)
    after, before = Card.objects.filter(column=cols[2]).order_by("position")[n // 2 : n // 2 + 2]
    body = {"column": cols[2].pk, "after": after.pk, "before": before.pk}
    # membership, the card, the move's 8 (6 and the test transaction's savepoint pair): as a drop on the
    # board page, whose session and user lookups forced authentication spares here.
    with django_assert_num_queries(10):
        response = api_client.post(api(team, f"cards/{card.pk}/move/"), body, format="json")
    assert response.status_code == 200 and response.json()["column"] == cols[2].pk
    assert "labels" not in response.json() and response.json()["html_url"].endswith(f"/cards/{card.pk}/")


def test_a_cards_source_url_stored_as_a_path_is_answered_absolute(api_client, team, board, user, settings):
    settings.SITE_URL = ""
    card = card_create(board=board, title="From a postmortem's action item", by=user)
    # What the apps that make cards from their objects store: the path of the object's page.
    Card.objects.filter(pk=card.pk).update(source_url=f"/t/{team.slug}/postmortems/1/")

    answered = api_client.get(api(team, f"cards/{card.pk}/")).json()["source_url"]
    assert answered == f"http://testserver/t/{team.slug}/postmortems/1/"
