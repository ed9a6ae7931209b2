"""Every refusal a retro page can meet, from its own services and from kanban's, shows its message: never a 500.

Each case runs as htmx (the live region, 200 with the message) and as a plain form post (the
meeting page with the error's own status).
"""

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.tests.refusals import assert_refused, domain_errors_of, post
from kanban.models import Card, Column
from kanban.services import CardError, WipLimitExceeded, card_create
from kanban.tests.factories import make_board
from retros.models import ActionItem, Phase, Retro
from retros.services import NotFacilitator, NotYourNote, RetroError, RetroStateError, action_create
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

htmx = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])


@pytest.fixture
def people():
    return make_team()


def url(retro: Retro, name: str, **kwargs: object) -> str:
    return reverse(f"retros:{name}", kwargs={"team": retro.team.slug, "retro_id": retro.pk, **kwargs})


def status(htmx: bool, error: type[DomainError]) -> int:
    return 200 if htmx else error.status_code


@htmx
def test_a_timer_out_of_range_is_refused_with_a_retro_error(client, people, htmx):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    ends_at = retro.timer_ends_at
    client.force_login(owner)
    response = post(client, url(retro, "timer"), {"minutes": "500"}, htmx=htmx)
    assert_refused(client, response, "A timer runs between 0 and 120 minutes.", status=status(htmx, RetroError))
    retro.refresh_from_db()
    assert retro.timer_ends_at == ends_at


@htmx
def test_a_member_who_does_not_facilitate_cannot_change_the_phase(client, people, htmx):
    team, (owner, member, _) = people
    retro = make_retro(team, owner)
    client.force_login(member)
    response = post(client, url(retro, "phase"), {}, htmx=htmx)
    assert_refused(client, response, "Only the facilitator can do that", status=status(htmx, NotFacilitator))
    retro.refresh_from_db()
    assert retro.phase == Phase.SAFETY


@htmx
def test_an_action_item_aimed_at_a_full_hard_wip_column_is_refused(client, people, htmx):
    team, (owner, *_) = people
    board = make_board(team, by=owner, limits={"To do": (1, "hard")})
    card_create(board=board, title="busy", by=owner)
    retro = advance_to(make_retro(team, owner, board=board), Phase.DISCUSS, owner)
    client.force_login(owner)
    response = post(client, url(retro, "action-new"), {"text": "Write the runbook"}, htmx=htmx)
    assert_refused(client, response, "To do is at its WIP limit of 1", status=status(htmx, WipLimitExceeded))
    assert not ActionItem.objects.filter(text="Write the runbook").exists()


@htmx
def test_an_action_item_for_a_board_without_columns_is_refused(client, people, htmx):
    team, (owner, *_) = people
    board = make_board(team, by=owner)
    Column.objects.filter(board=board).delete()
    retro = advance_to(make_retro(team, owner, board=board), Phase.DISCUSS, owner)
    client.force_login(owner)
    response = post(client, url(retro, "action-new"), {"text": "Write the runbook"}, htmx=htmx)
    assert_refused(client, response, "has no columns yet", status=status(htmx, CardError))
    assert not ActionItem.objects.filter(text="Write the runbook").exists()


@htmx
def test_closing_an_earlier_action_into_a_full_done_column_is_refused(client, people, htmx):
    team, (owner, *_) = people
    board = make_board(team, by=owner, limits={"Done": (1, "hard")})
    card_create(board=board, title="finished", by=owner, column=board.columns.get(name="Done"))
    earlier = advance_to(make_retro(team, owner, board=board), Phase.DISCUSS, owner)
    action = action_create(retro=earlier, text="Write the runbook", by=owner)
    retro = advance_to(make_retro(team, owner, title="Next retro"), Phase.OPEN_ACTIONS, owner)
    client.force_login(owner)
    review = url(retro, "action-review", action_id=action.pk)
    response = post(client, review, {"decision": "done"}, htmx=htmx)
    assert_refused(client, response, "Done is at its WIP limit of 1", status=status(htmx, WipLimitExceeded))
    assert Card.objects.get(pk=action.card_id).column.name == "To do"
    action.refresh_from_db()
    assert action.reviewed_in is None


@htmx
def test_a_phase_skipped_is_refused_as_a_conflict_with_the_retros_state(client, people, htmx):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    client.force_login(owner)
    response = post(client, url(retro, "phase"), {"to": Phase.DISCUSS}, htmx=htmx)
    assert_refused(client, response, "A retro moves one phase at a time.", status=status(htmx, RetroStateError))
    retro.refresh_from_db()
    assert retro.phase == Phase.SAFETY


@htmx
def test_deleting_a_note_this_browser_did_not_write_is_refused(client, people, htmx):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    client.force_login(member)
    client.get(retro.get_absolute_url())  # the browser's own secret
    response = post(client, url(retro, "note-delete"), {"note": "e3e70682-c209-4cac-a29f-6fbed82c07cd"}, htmx=htmx)
    assert_refused(client, response, "You can change only the notes you wrote", status=status(htmx, NotYourNote))


def test_every_refusal_a_retro_page_can_meet_has_a_case_here():
    cases = {RetroError, NotFacilitator, RetroStateError, NotYourNote, CardError, WipLimitExceeded}
    assert domain_errors_of("retros") <= cases
