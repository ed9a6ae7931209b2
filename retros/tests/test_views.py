import secrets

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.tests.queries import SESSION_QUERIES
from kanban.models import Board
from kanban.tests.factories import make_board
from retros.models import Phase, Retro
from retros.services import action_create, group_add_note, group_create, note_add, safety_answer, vote_cast
from retros.tests.factories import advance_to, make_retro, make_team
from teams.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def people():
    return make_team()


def fill(retro: Retro, users: list[User], *, notes: int, board: Board) -> Retro:
    """A retro in the discuss phase with `notes` notes in groups of four, votes and actions."""
    owner = users[0]
    retro = advance_to(retro, Phase.REFLECT, owner)
    for n in range(notes):
        note_add(retro=retro, prompt="Start", text=f"note {n}", by=users[n % 3], secret=secrets.token_hex(32))
    retro = advance_to(retro, Phase.GROUP, owner)
    groups = [group_create(retro=retro, title=f"group {g}", by=owner) for g in range(max(1, notes // 4))]
    for n, note in enumerate(retro.notes.all()):
        group_add_note(note=note, group=groups[n % len(groups)], by=owner)
    retro = advance_to(retro, Phase.VOTE, owner)
    for user in users:
        vote_cast(retro=retro, group=groups[0], by=user, secret=secrets.token_hex(32))
    retro = advance_to(retro, Phase.DISCUSS, owner)
    for g in groups[: max(1, notes // 8)]:
        action_create(retro=retro, text=f"act on {g.title}", by=owner, owner=users[1], group=g, board=board)
    return retro


def page_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_meeting_page_costs_the_same_queries_with_few_or_many_notes(client, people, anonymous):
    team, users = people
    board = make_board(team)
    small = fill(make_retro(team, users[0], anonymous=anonymous), users, notes=2, board=board)
    large = fill(make_retro(team, users[0], anonymous=anonymous), users, notes=40, board=board)
    client.force_login(users[1])
    for retro in (small, large):
        client.get(retro.get_absolute_url())  # the first visit sets the browser's secret
    counts = [page_queries(client, r.get_absolute_url()) for r in (small, large)]
    assert counts[0] == counts[1], counts
    summary = [page_queries(client, r.get_absolute_url() + "summary.md") for r in (small, large)]
    assert summary[0] == summary[1], summary


def test_the_retro_list_costs_the_same_queries_with_one_or_many_retros(client, people):
    team, users = people
    client.force_login(users[0])
    make_retro(team, users[0])
    one = page_queries(client, f"/t/{team.slug}/retros/")
    for _ in range(5):
        safety_answer(retro=make_retro(team, users[0]), value=3, by=users[1])
    assert page_queries(client, f"/t/{team.slug}/retros/") == one


def test_an_unchanged_poll_answers_204_from_the_cache_and_a_change_sends_the_fresh_region(
    client, people, django_capture_on_commit_callbacks
):
    team, (owner, member, _) = people
    retro = make_retro(team, owner)
    client.force_login(member)
    page = client.get(retro.get_absolute_url()).content.decode()
    version = page.split('data-version="')[1].split('"')[0]
    poll = retro.get_absolute_url() + f"poll/?v={version}"
    with CaptureQueriesContext(connection) as queries:
        unchanged = client.get(poll, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.content == b""
    # No user row, no membership: the session (from the cache with Redis) and the cache answer.
    assert len(queries) == SESSION_QUERIES, [q["sql"] for q in queries]
    with django_capture_on_commit_callbacks(execute=True):
        safety_answer(retro=retro, value=4, by=owner)
    changed = client.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert "1 answer so far" in changed.content.decode()
    assert "<html" not in changed.content.decode()


def test_a_poll_from_someone_outside_the_team_is_a_404_even_when_nothing_changed(client, people):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    client.force_login(owner)
    page = client.get(retro.get_absolute_url()).content.decode()
    version = page.split('data-version="')[1].split('"')[0]
    client.force_login(MembershipFactory().user)
    assert client.get(retro.get_absolute_url() + f"poll/?v={version}").status_code == 404


def test_the_safety_distribution_is_hidden_on_the_page_below_the_team_minimum(client, people):
    team, users = people
    retro = make_retro(team, users[0])
    client.force_login(users[0])
    client.post(f"/t/{team.slug}/retros/settings/", {"safety_minimum": 3})
    for user in users[:2]:
        safety_answer(retro=retro, value=5, by=user)
    page = client.get(retro.get_absolute_url()).content.decode()
    assert "data-distribution-hidden" in page and "<meter" not in page
    safety_answer(retro=retro, value=1, by=users[2])
    page = client.get(retro.get_absolute_url()).content.decode()
    assert "data-distribution-hidden" not in page and page.count("<meter") == 5


def test_a_member_who_is_not_the_facilitator_cannot_change_the_phase(client, people):
    team, (owner, member, _) = people
    retro = make_retro(team, owner)
    client.force_login(member)
    response = client.post(retro.get_absolute_url() + "phase/")
    assert response.status_code == 403
    assert "Only the facilitator" in response.content.decode()
    retro.refresh_from_db()
    assert retro.phase == Phase.SAFETY


def test_the_large_type_mode_keeps_itself_across_polls(client, people):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    client.force_login(owner)
    page = client.get(retro.get_absolute_url() + "?big=1").content.decode()
    assert 'class="retro retro-big"' in page and "&amp;big=1" in page


def test_the_summary_exports_as_markdown(client, people):
    team, users = people
    retro = fill(make_retro(team, users[0]), users, notes=4, board=make_board(team))
    client.force_login(users[2])
    text = client.get(retro.get_absolute_url() + "summary.md").content.decode()
    assert text.startswith("# Sprint retro")
    assert "### group 0 (3 votes)" in text and "- [ ] act on group 0 — " in text


def test_the_summary_shows_raw_html_in_titles_notes_and_actions_as_text(client, people):
    team, users = people
    payload = "<script>alert(1)</script>"
    retro = fill(make_retro(team, users[0], title=payload), users, notes=4, board=make_board(team))
    retro.notes.update(text=payload, prompt=payload)
    retro.groups.update(title=payload)
    retro.actions.update(text=payload)
    client.force_login(users[2])
    text = client.get(retro.get_absolute_url() + "summary.md").content.decode()
    assert "<script" not in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 1 + 4 * 2 + 1 + 1


@pytest.mark.parametrize("anonymous", [True, False])
@pytest.mark.parametrize("phase", [Phase.SAFETY, Phase.OPEN_ACTIONS, Phase.REFLECT, Phase.GROUP, Phase.SUMMARY])
def test_every_phase_of_the_meeting_page_costs_the_same_queries_with_little_or_much_data(
    client, people, phase, anonymous
):
    team, users = people
    board = make_board(team)
    counts = []
    for size in (1, 12):
        earlier = advance_to(make_retro(team, users[0], board=board), Phase.DISCUSS, users[0])
        for n in range(size):
            action_create(retro=earlier, text=f"earlier {n}", by=users[0], owner=users[n % 3], board=board)
        retro = make_retro(team, users[0], anonymous=anonymous)
        for user in users[: min(size, 3)]:
            safety_answer(retro=retro, value=2, by=user)
        if phase not in (Phase.SAFETY, Phase.OPEN_ACTIONS):
            retro = advance_to(retro, Phase.REFLECT, users[0])
            for n in range(size * 2):
                note_add(retro=retro, prompt="Stop", text=f"n{n}", by=users[n % 3], secret=secrets.token_hex(32))
        retro = advance_to(retro, phase, users[0])
        client.force_login(users[1])
        client.get(retro.get_absolute_url())
        counts.append(page_queries(client, retro.get_absolute_url()))
    assert counts[0] == counts[1], counts


def test_lowering_the_team_minimum_mid_retro_shows_no_answer_and_applies_to_later_retros(client, people):
    team, users = people
    client.force_login(users[0])
    client.post(f"/t/{team.slug}/retros/settings/", {"safety_minimum": 4})
    running = make_retro(team, users[0])
    for user in users:
        safety_answer(retro=running, value=5, by=user)
    response = client.post(f"/t/{team.slug}/retros/settings/", {"safety_minimum": 1}, follow=True)
    assert "from 3 to 50" in response.content.decode()
    client.post(f"/t/{team.slug}/retros/settings/", {"safety_minimum": 3})
    page = client.get(running.get_absolute_url()).content.decode()
    assert "data-distribution-hidden" in page and "from 4 answers on" in page and "<meter" not in page
    later = make_retro(team, users[0])
    for user in users:
        safety_answer(retro=later, value=5, by=user)
    assert client.get(later.get_absolute_url()).content.decode().count("<meter") == 5


def test_the_board_field_of_a_new_retro_starts_at_the_team_default_board(client, people):
    team, users = people
    make_board(team)
    chosen = Board.objects.filter(team=team).order_by("id").last()
    client.force_login(users[0])
    client.post(f"/t/{team.slug}/retros/settings/", {"safety_minimum": 3, "board": chosen.pk})
    page = client.get(f"/t/{team.slug}/retros/").content.decode()
    assert f'<option value="{chosen.pk}" selected>' in page
    assert make_retro(team, users[0]).board == chosen


def test_a_retro_without_a_board_says_so_and_refuses_an_action_until_the_facilitator_picks_one(client):
    owner = MembershipFactory(role="owner")
    team, facilitator = owner.team, owner.user
    retro = make_retro(team, facilitator)
    assert retro.board is None
    client.force_login(facilitator)
    page = client.get(retro.get_absolute_url()).content.decode()
    assert "data-no-board" in page and "This retro has no board." in page
    retro = advance_to(retro, Phase.DISCUSS, facilitator)
    response = client.post(retro.get_absolute_url() + "actions/", {"text": "Fix the pipeline"})
    assert response.status_code == 400
    assert "This retro has no board, so the action item would get no card" in response.content.decode()
    assert not retro.actions.exists()
    board = make_board(team)
    client.post(retro.get_absolute_url() + "board/", {"board": board.pk})
    assert "data-no-board" not in client.get(retro.get_absolute_url()).content.decode()
    client.post(retro.get_absolute_url() + "actions/", {"text": "Fix the pipeline"})
    assert retro.actions.get().card.board == board


def test_the_api_refuses_an_action_on_a_retro_without_a_board_with_a_clear_detail():
    from rest_framework.test import APIClient

    owner = MembershipFactory(role="owner")
    retro = advance_to(make_retro(owner.team, owner.user), Phase.DISCUSS, owner.user)
    api = APIClient()
    api.force_authenticate(owner.user)
    answer = api.post(f"/api/v1/teams/{owner.team.slug}/retros/{retro.pk}/actions/", {"text": "x"}, format="json")
    assert answer.status_code == 400 and "has no board" in answer.json()["detail"]


def _note_ids(page: str) -> list[str]:
    import re

    return re.findall(r'data-note="([0-9a-f-]{36})"', page)


def test_a_writer_edits_and_deletes_their_own_notes_from_the_same_browser_until_the_reveal(people):
    team, (owner, member, other) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    url = retro.get_absolute_url()
    writer, stranger, facilitator = Client(), Client(), Client()
    for client, user in ((writer, member), (stranger, other), (facilitator, owner)):
        client.force_login(user)
        client.get(url)  # each browser gets its own secret
    writer.post(url + "notes/", {"prompt": "Start", "text": "Deploys are slwo"})
    writer.post(url + "notes/", {"prompt": "Stop", "text": "Regrettable note"})
    page = writer.get(url).content.decode()
    assert "from this browser only" in page and "Edit your note" in page
    typo, regret = _note_ids(page)  # content order: Start before Stop
    answer = stranger.post(url + "notes/edit/", {"note": typo, "text": "hijacked"})
    assert answer.status_code == 403 and "only the notes you wrote from this browser" in answer.content.decode()
    assert stranger.post(url + "notes/delete/", {"note": regret}).status_code == 403
    assert writer.post(url + "notes/edit/", {"note": typo, "text": "Deploys are slow"}).status_code == 302
    assert writer.post(url + "notes/delete/", {"note": regret}).status_code == 302
    page = writer.get(url).content.decode()
    assert "Deploys are slow" in page and "slwo" not in page and "Regrettable" not in page
    facilitator.post(url + "reveal/")
    late = writer.post(url + "notes/edit/", {"note": typo, "text": "after the reveal"})
    assert late.status_code == 409 and "only until the facilitator reveals them" in late.content.decode()
    revealed = stranger.get(url).content.decode()
    assert "Deploys are slow" in revealed and "Regrettable" not in revealed and "after the reveal" not in revealed
    assert "Edit your note" not in revealed
