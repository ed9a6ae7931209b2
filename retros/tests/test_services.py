import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from kanban.models import SourceKind
from kanban.services import card_move
from kanban.tests.factories import make_board
from retros import queries
from retros.data import open_actions_before
from retros.models import ActionStatus, Note, Phase, Retro, SafetyAnswer, Vote
from retros.services import (
    NotFacilitator,
    RetroError,
    action_create,
    action_review,
    group_add_note,
    group_create,
    note_add,
    note_hide,
    retro_advance_phase,
    retro_hand_off,
    safety_answer,
    series_create,
    vote_cast,
)
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_team()


def key():
    return secrets.token_hex(32)


def test_only_the_facilitator_moves_the_phase(people):
    team, (owner, member, _) = people
    retro = make_retro(team, member)
    with pytest.raises(NotFacilitator):
        retro_advance_phase(retro=retro, by=owner)
    assert Retro.objects.get(pk=retro.pk).phase == Phase.SAFETY
    assert retro_advance_phase(retro=retro, by=member).phase == Phase.OPEN_ACTIONS


def test_a_hand_off_gives_the_phase_controls_to_the_new_facilitator(people):
    team, (owner, member, other) = people
    retro = make_retro(team, member)
    retro_hand_off(retro=retro, to=other, by=member)
    with pytest.raises(NotFacilitator):
        retro_advance_phase(retro=retro, by=member)
    assert retro_advance_phase(retro=retro, by=other).phase == Phase.OPEN_ACTIONS


def test_a_phase_cannot_be_skipped(people):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    with pytest.raises(RetroError):
        retro_advance_phase(retro=retro, by=owner, to=Phase.VOTE)


def test_the_safety_distribution_stays_hidden_below_the_minimum(people):
    team, users = people
    retro = make_retro(team, users[0])
    for user, value in zip(users[:2], (2, 4), strict=True):
        safety_answer(retro=retro, value=value, by=user)
    hidden = queries.safety_distribution(retro)
    assert hidden.answers == 2 and hidden.counts is None
    safety_answer(retro=retro, value=4, by=users[2])
    shown = queries.safety_distribution(retro)
    assert shown.counts == [(1, 0), (2, 1), (3, 0), (4, 2), (5, 0)]


def test_a_person_answers_the_safety_check_once(people):
    team, (owner, *_) = people
    retro = make_retro(team, owner)
    safety_answer(retro=retro, value=3, by=owner)
    with pytest.raises(RetroError, match="already answered"):
        safety_answer(retro=retro, value=5, by=owner)
    assert not SafetyAnswer.objects.exists()  # in the ballot box until the safety check closes
    retro_advance_phase(retro=retro, by=owner)
    assert list(SafetyAnswer.objects.filter(retro=retro).values_list("value", flat=True)) == [3]
    with pytest.raises(RetroError, match="cannot reopen"):
        retro_advance_phase(retro=retro, by=owner, to=Phase.SAFETY)


def test_anonymous_notes_are_private_to_the_browser_that_wrote_them_until_the_reveal(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    mine, theirs = key(), key()
    note_add(retro=retro, prompt="Start", text="pairing", by=owner, secret=mine)
    note_add(retro=retro, prompt="Stop", text="late deploys", by=member, secret=theirs)
    assert [n.text for n in queries.visible_notes(retro, owner, mine)] == ["pairing"]
    assert [n.text for n in queries.visible_notes(retro, member, theirs)] == ["late deploys"]
    assert queries.visible_notes(retro, member, key()) == []
    assert not Note.objects.exists()  # in the ballot box until the reveal
    retro = retro_advance_phase(retro=retro, by=owner)
    assert {n.text for n in queries.visible_notes(retro, member, None)} == {"pairing", "late deploys"}
    assert set(Note.objects.values_list("owner_tag", "author")) == {("", None)}


def test_named_notes_keep_their_author(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner, anonymous=False), Phase.REFLECT, owner)
    note = note_add(retro=retro, prompt="Start", text="pairing", by=member, secret=key())
    assert note.author == member and note.owner_tag == ""
    assert queries.visible_notes(retro, owner, None) == []


def test_votes_keep_the_budget_and_the_per_group_cap(people):
    team, (owner, member, _) = people
    retro = make_retro(team, owner, vote_budget=3, group_vote_cap=2)
    retro = advance_to(retro, Phase.REFLECT, owner)
    for text in ("a", "b"):
        note_add(retro=retro, prompt="Start", text=text, by=member, secret=key())
    retro = advance_to(retro, Phase.VOTE, owner)
    first, second = retro.groups.all()
    secret = key()
    vote_cast(retro=retro, group=first, by=member, secret=secret)
    vote_cast(retro=retro, group=first, by=member, secret=secret)
    with pytest.raises(RetroError, match="at most 2"):
        vote_cast(retro=retro, group=first, by=member, secret=secret)
    vote_cast(retro=retro, group=second, by=member, secret=secret)
    with pytest.raises(RetroError, match="all 3"):
        vote_cast(retro=retro, group=second, by=member, secret=secret)
    vote_cast(retro=retro, group=first, by=member, secret=secret, remove=True)
    assert queries.my_votes(retro, member, secret) == {first.pk: 1, second.pk: 1}
    assert not Vote.objects.exists()  # in the ballot box until the vote closes
    retro = retro_advance_phase(retro=retro, by=owner)
    assert set(Vote.objects.values_list("owner_tag", "voter")) == {("", None)} and Vote.objects.count() == 2
    assert [g.votes for g in retro.groups.order_by("-votes", "id")] == [1, 1]


def test_the_facilitator_hides_an_anonymous_note(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    note = note_add(retro=retro, prompt="Start", text="rude", by=member, secret=key())
    retro = retro_advance_phase(retro=retro, by=owner)
    note.refresh_from_db()
    with pytest.raises(NotFacilitator):
        note_hide(note=note, by=member)
    note_hide(note=note, by=owner)
    assert Note.objects.get(pk=note.pk).hidden


def test_grouping_moves_a_note_into_a_group_of_its_retro_only(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    note = note_add(retro=retro, prompt="Start", text="x", by=member, secret=key())
    retro = retro_advance_phase(retro=retro, by=owner)
    group = group_create(retro=retro, title="Deploys", by=member)
    note.refresh_from_db()
    group_add_note(note=note, group=group, by=member)
    assert Note.objects.get(pk=note.pk).group == group
    other = advance_to(make_retro(team, owner), Phase.GROUP, owner)
    with pytest.raises(RetroError):
        group_add_note(note=note, group=group_create(retro=other, title="Else", by=owner), by=owner)


def test_an_action_item_becomes_a_card_and_comes_back_in_the_next_retro(people):
    team, (owner, member, _) = people
    board = make_board(team)
    retro = advance_to(make_retro(team, owner, board=board), Phase.DISCUSS, owner)
    due = timezone.localdate() + timedelta(days=7)
    action = action_create(retro=retro, text="Automate rollbacks", by=owner, owner=member, due_date=due)
    card = action.card
    assert card.board == board and card.source_kind == SourceKind.RETRO_ACTION
    assert card.source_id == f"retro-action:{action.pk}" and list(card.assignees.all()) == [member]
    assert card.retro_action == action and card.source_url == retro.get_absolute_url()
    following = make_retro(team, owner)
    assert open_actions_before(following) == [action]
    card_move(card=card, column=board.columns.get(name="Done"), position=0, by=owner)
    action.refresh_from_db()
    assert action.live_status() == ActionStatus.DONE


def test_the_open_actions_phase_keeps_drops_or_closes_an_earlier_item(people):
    team, (owner, member, _) = people
    board = make_board(team)
    old = advance_to(make_retro(team, owner, board=board), Phase.DISCUSS, owner)
    done = action_create(retro=old, text="one", by=owner)
    dropped = action_create(retro=old, text="two", by=owner)
    kept = action_create(retro=old, text="three", by=owner)
    retro = advance_to(make_retro(team, owner), Phase.OPEN_ACTIONS, owner)
    action_review(action=done, retro=retro, decision="done", by=member)
    action_review(action=dropped, retro=retro, decision="drop", by=member)
    action_review(action=kept, retro=retro, decision="keep", by=member)
    done.card.refresh_from_db()
    assert done.card.column.is_done
    assert open_actions_before(retro) == [kept]


def test_finishing_a_retro_of_a_weekly_series_creates_next_weeks(people):
    team, (owner, *_) = people
    retro = series_create(team=team, title="Weekly", by=owner, format="mad_sad_glad")
    advance_to(retro, Phase.SUMMARY, owner)
    following = Retro.objects.exclude(pk=retro.pk).get()
    assert following.series == retro.series
    assert following.scheduled_for == retro.scheduled_for + timedelta(days=7)
    assert following.prompts == ["Mad", "Sad", "Glad"]


def test_a_custom_retro_needs_prompts(people):
    team, (owner, *_) = people
    with pytest.raises(RetroError):
        make_retro(team, owner, format="custom", prompts=[" "])
    assert make_retro(team, owner, format="custom", prompts=["Kudos", "Puzzles"]).prompts == ["Kudos", "Puzzles"]
