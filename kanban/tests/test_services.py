import pytest

from kanban.models import Card, CardEvent
from kanban.positions import POSITION_GAP
from kanban.services import (
    CardError,
    WipLimitExceeded,
    board_archive_stale,
    card_archive,
    card_create,
    card_move,
    card_restore,
    card_update,
)
from kanban.tests.factories import LabelFactory, make_board
from teams.models import AuditEvent
from teams.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def titles(column):
    return list(Card.objects.open().filter(column=column).order_by("position").values_list("title", flat=True))


def positions(column):
    """The cards' places 0..n-1, after checking no two cards share a sort key (the order is total)."""
    keys = list(Card.objects.open().filter(column=column).order_by("position").values_list("position", flat=True))
    assert len(set(keys)) == len(keys), f"tied sort keys: {keys}"
    return list(range(len(keys)))


@pytest.fixture
def board(team, user):
    return make_board(team, by=user)


@pytest.fixture
def cols(board):
    return list(board.columns.all())


def test_a_card_without_a_column_lands_on_top_of_the_first_column(board, cols, user):
    card_create(board=board, title="old", by=user)
    card = card_create(board=board, title="new", by=None)
    assert card.column == cols[0] and card.team == board.team
    assert titles(cols[0]) == ["new", "old"]
    assert card.started_at is None and card.done_at is None


def test_creating_a_card_writes_history_and_an_audit_event(board, user):
    card = card_create(
        board=board,
        title="From GitHub",
        by=None,
        source_kind="github_issue",
        source_id="acme/api#12",
        source_url="https://github.com/acme/api/issues/12",
    )
    assert list(card.events.values_list("kind", flat=True)) == ["created"]
    assert AuditEvent.objects.filter(action="card.created", object_id=str(card.pk), team=board.team).exists()


def test_moving_between_columns_keeps_both_columns_dense(board, cols, user):
    cards = [card_create(board=board, title=f"c{i}", by=user, position=i) for i in range(4)]
    card_create(board=board, title="d0", by=user, column=cols[1])
    card_move(card=cards[1], column=cols[1], position=1, by=user)
    assert titles(cols[0]) == ["c0", "c2", "c3"] and positions(cols[0]) == [0, 1, 2]
    assert titles(cols[1]) == ["d0", "c1"] and positions(cols[1]) == [0, 1]
    event = CardEvent.objects.filter(card=cards[1], kind="moved").get()
    assert (event.from_column, event.to_column, event.actor) == (cols[0], cols[1], user)
    assert event.summary() == f"moved from {cols[0].name} → {cols[1].name}"
    assert AuditEvent.objects.filter(action="card.moved", object_id=str(cards[1].pk)).exists()


def test_reordering_within_a_column_moves_the_cards_between(board, cols, user):
    for i in range(5):
        card_create(board=board, title=f"c{i}", by=user, position=i)
    c1 = Card.objects.get(title="c1")
    card_move(card=c1, column=cols[0], position=3, by=user)
    assert titles(cols[0]) == ["c0", "c2", "c3", "c1", "c4"]
    c4 = Card.objects.get(title="c4")
    card_move(card=c4, column=cols[0], position=0, by=user)
    assert titles(cols[0]) == ["c4", "c0", "c2", "c3", "c1"]
    assert positions(cols[0]) == [0, 1, 2, 3, 4]


def test_an_anchor_card_wins_over_a_stale_position(board, cols, user):
    for i in range(4):
        card_create(board=board, title=f"c{i}", by=user, position=i)
    c3, c0 = Card.objects.get(title="c3"), Card.objects.get(title="c0")
    # Someone viewed c3 at position 3 and drops c0 after it, passing a stale position 1.
    card_move(card=c0, column=cols[0], position=1, after_id=c3.pk, by=user)
    assert titles(cols[0]) == ["c1", "c2", "c3", "c0"]
    c2 = Card.objects.get(title="c2")
    card_move(card=c2, column=cols[1], position=5, before_id=None, by=user)
    card_move(card=Card.objects.get(title="c1"), column=cols[1], position=9, before_id=c2.pk, by=user)
    assert titles(cols[1]) == ["c1", "c2"]


def test_it_refuses_a_move_into_a_full_hard_limit_column(team, user):
    board = make_board(team, limits={"Doing": (1, "hard")})
    todo, doing, _ = board.columns.all()
    card_create(board=board, title="busy", by=user, column=doing)
    card = card_create(board=board, title="waiting", by=user)
    with pytest.raises(WipLimitExceeded, match="Doing is at its WIP limit of 1"):
        card_move(card=card, column=doing, position=0, by=user)
    card.refresh_from_db()
    assert card.column == todo and titles(doing) == ["busy"]
    with pytest.raises(WipLimitExceeded):
        card_create(board=board, title="quick", by=user, column=doing)


def test_a_soft_limit_lets_the_move_through(team, user):
    board = make_board(team, limits={"Doing": (1, "soft")})
    _, doing, _ = board.columns.all()
    card_create(board=board, title="busy", by=user, column=doing)
    card = card_create(board=board, title="more", by=user)
    card_move(card=card, column=doing, position=1, by=user)
    assert titles(doing) == ["busy", "more"]


def test_a_hard_swimlane_limit_refuses_a_second_card_in_progress(team, user):
    from kanban.services import board_create

    board = board_create(
        team=team,
        name="Ops",
        by=user,
        columns=[{"name": "To do"}, {"name": "Doing"}, {"name": "Done", "is_done": True}],
        swimlanes=[{"name": "Expedite", "wip_limit": 1, "wip_mode": "hard"}, {"name": "Standard"}],
    )
    todo, doing, done = board.columns.all()
    expedite, standard = board.swimlanes.all()
    card_create(board=board, title="fire", by=user, column=doing, swimlane=expedite)
    other = card_create(board=board, title="another fire", by=user, swimlane=standard)
    with pytest.raises(WipLimitExceeded, match="Swimlane Expedite is at its WIP limit of 1"):
        card_move(card=other, column=doing, position=0, by=user, swimlane=expedite)
    card_move(card=other, column=done, position=0, by=user, swimlane=expedite)
    assert Card.objects.get(pk=other.pk).swimlane == expedite


def test_moves_set_the_flow_timestamps(board, cols, user):
    card = card_create(board=board, title="flow", by=user)
    card = card_move(card=card, column=cols[1], position=0, by=user)
    assert card.started_at is not None and card.done_at is None
    card = card_move(card=card, column=cols[2], position=0, by=user)
    assert card.done_at is not None
    card = card_move(card=card, column=cols[1], position=0, by=user)
    assert card.done_at is None


def test_descriptions_are_rendered_once_and_sanitised(board, user):
    card = card_create(
        board=board, title="x", by=user, description="**bold** <script>alert(1)</script> [a](javascript:alert(1))"
    )
    assert "<strong>bold</strong>" in card.description_html
    assert "<script" not in card.description_html and "javascript:" not in card.description_html


def test_only_team_members_can_be_assigned(board, user):
    card = card_create(board=board, title="x", by=user)
    stranger = UserFactory()
    with pytest.raises(CardError, match="Only members"):
        card_update(card=card, by=user, assignees=[stranger])
    card_update(card=card, by=user, assignees=[user])
    assert list(card.assignees.all()) == [user]
    assert card.events.filter(kind="assigned").get().data == {"added": [user.username], "removed": []}


def test_labels_of_another_team_are_refused(board, user, other_team):
    card = card_create(board=board, title="x", by=user)
    with pytest.raises(CardError):
        card_update(card=card, by=user, labels=[LabelFactory(team=other_team)])


def test_blocking_needs_a_reason_and_is_recorded(board, user):
    card = card_create(board=board, title="x", by=user)
    with pytest.raises(CardError, match="why"):
        card_update(card=card, by=user, blocked=True)
    card_update(card=card, by=user, blocked=True, blocked_reason="waiting for the vendor")
    card_update(card=card, by=user, blocked=False)
    assert list(card.events.values_list("kind", flat=True)) == ["created", "blocked", "unblocked"]
    card.refresh_from_db()
    assert card.blocked_reason == ""


def test_archiving_closes_the_gap_and_restoring_puts_the_card_on_top(board, cols, user):
    for i in range(3):
        card_create(board=board, title=f"c{i}", by=user, position=i)
    c1 = Card.objects.get(title="c1")
    card_archive(card=c1, by=user)
    assert titles(cols[0]) == ["c0", "c2"] and positions(cols[0]) == [0, 1]
    card_restore(card=c1, by=user)
    assert titles(cols[0]) == ["c1", "c0", "c2"]


def test_done_cards_are_archived_after_the_boards_delay(board, cols, user):
    from datetime import timedelta

    from django.utils import timezone

    board.archive_after_days = 7
    board.save()
    now = timezone.now()
    old = card_create(board=board, title="old", by=user, column=cols[2], at=now - timedelta(days=8))
    card_create(board=board, title="recent", by=user, column=cols[2], at=now - timedelta(days=2))
    card_create(board=board, title="open", by=user, at=now - timedelta(days=30))
    assert board_archive_stale(board=board, now=now) == 1
    assert list(Card.objects.archived().values_list("title", flat=True)) == ["old"]
    assert titles(cols[2]) == ["recent"]
    old.refresh_from_db()
    assert old.events.filter(kind="archived", actor=None).exists()


def test_checklist_progress_is_counted_on_the_card(board, user):
    from kanban.services import checklist_item_add, checklist_item_toggle

    card = card_create(board=board, title="x", by=user)
    first = checklist_item_add(card=card, text="backup", by=user)
    checklist_item_add(card=card, text="upgrade", by=user)
    checklist_item_toggle(item=first, done=True, by=user)
    checklist_item_toggle(item=first, done=True, by=user)  # no change the second time
    card.refresh_from_db()
    assert (card.checklist_done, card.checklist_total) == (1, 2)
    assert [e.summary() for e in card.events.filter(kind="checklist")] == [
        "checklist: backup added",
        "checklist: upgrade added",
        "checklist: backup done",
    ]


def test_an_unblocked_card_forgets_its_reason_and_a_no_op_edit_records_nothing(board, user):
    card = card_create(board=board, title="x", by=user)
    card_update(card=card, by=user, blocked=True, blocked_reason="vendor")
    card_update(card=card, by=user, blocked=False, blocked_reason="vendor")
    card.refresh_from_db()
    assert (card.blocked, card.blocked_reason) == (False, "")
    events, audits = card.events.count(), AuditEvent.objects.filter(action="card.updated").count()
    card_update(card=card, by=user, title="x", blocked=False, blocked_reason="stale text", assignees=[], labels=[])
    assert card.events.count() == events
    assert AuditEvent.objects.filter(action="card.updated").count() == audits


def test_a_move_to_where_the_card_already_is_records_nothing(board, cols, user):
    card_create(board=board, title="top", by=user)
    last = card_create(board=board, title="last", by=user, position=1)
    card_move(card=last, column=cols[0], position=5, by=user)
    assert not last.events.filter(kind="moved").exists()
    assert titles(cols[0]) == ["top", "last"]


def _fill_column(board, column, n):
    Card.objects.bulk_create(
        Card(team=board.team, board=board, column=column, position=i * POSITION_GAP, title=f"bulk {i}")
        for i in range(n)
    )


@pytest.mark.parametrize("n", [100, 5000])
def test_a_move_costs_the_same_nine_queries_whatever_the_column_length(board, cols, user, n, django_assert_num_queries):
    # Nine inside the test's transaction: seven, and the savepoint pair of the service's atomic block.
    _fill_column(board, cols[0], n)
    _fill_column(board, cols[1], n)
    cards = list(Card.objects.filter(column=cols[0]).order_by("position")[:3])
    after, before = Card.objects.filter(column=cols[1]).order_by("position")[n // 2 : n // 2 + 2]
    with django_assert_num_queries(9):
        card_move(card=cards[0], column=cols[1], position=0, after_id=after.pk, before_id=before.pk, by=user)
    with django_assert_num_queries(9):
        card_move(card=cards[1], column=cols[1], position=n // 2, by=user)
    with django_assert_num_queries(9):
        card_move(card=cards[2], column=cols[0], position=None, by=user)
    order = list(Card.objects.filter(column=cols[1]).order_by("position", "id").values_list("pk", flat=True))
    assert order.index(after.pk) + 1 == order.index(cards[0].pk) == order.index(before.pk) - 1
    assert order.index(cards[1].pk) == n // 2


def test_a_gap_used_up_by_many_drops_is_renumbered_and_keeps_the_order(board, cols, user):
    first = card_create(board=board, title="first", by=user, position=None)
    card_create(board=board, title="last", by=user, position=None)
    dropped = []
    for i in range(15):  # more halvings than a gap of POSITION_GAP allows
        card = card_create(board=board, title=f"d{i}", by=user, column=cols[1])
        card_move(card=card, column=cols[0], after_id=first.pk, by=user)
        dropped.insert(0, f"d{i}")
    assert titles(cols[0]) == ["first", *dropped, "last"]
    assert positions(cols[0]) == list(range(17))
