"""Flow metrics against values computed by hand for a scripted history (times in UTC)."""

from datetime import UTC, datetime

import pytest

from kanban.flow import board_flow_metrics, percentile_85
from kanban.services import board_create, card_create, card_move

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def t(day, hour=0):
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def metrics(team, user):
    board = board_create(
        team=team,
        name="Flow",
        by=user,
        columns=[{"name": "Backlog"}, {"name": "Doing"}, {"name": "Review"}, {"name": "Done", "is_done": True}],
    )
    backlog, doing, review, done = board.columns.all()

    def card(title, at, column=None):
        return card_create(board=board, title=title, by=user, column=column, at=at)

    def move(c, column, at):
        return card_move(card=c, column=column, position=0, by=user, at=at)

    a = card("A", t(9, 9))
    a = move(a, doing, t(10, 9))
    a = move(a, review, t(12, 9))
    move(a, done, t(13, 9))  # lead 4.0, cycle 3.0
    b = card("B", t(9, 12))
    b = move(b, doing, t(11, 12))
    move(b, done, t(16, 0))  # lead 6.5, cycle 4.5
    c = card("C", t(15, 6), column=doing)
    move(c, done, t(17, 18))  # lead 2.5, cycle 2.5 (started when created in Doing)
    d = card("D", t(16, 0))
    move(d, doing, t(18, 12))  # in progress for 2.0 days
    card("E", t(10, 0))  # never started
    f = card("F", t(8, 0))
    f = move(f, doing, t(9, 0))
    f = move(f, done, t(12, 0))
    move(f, doing, t(14, 0))  # reopened: not done, in progress since the 9th (11.5 days)
    return board_flow_metrics(board=board, days=14, now=NOW)


def test_lead_and_cycle_time_have_the_hand_computed_median_and_85th_percentile(metrics):
    assert metrics["lead_time"] == {"count": 3, "median": 4.0, "p85": 6.5, "values": [2.5, 4.0, 6.5]}
    assert metrics["cycle_time"] == {"count": 3, "median": 3.0, "p85": 4.5, "values": [2.5, 3.0, 4.5]}
    per_card = {c["title"]: (c["lead_time_days"], c["cycle_time_days"]) for c in metrics["completed"]}
    assert per_card == {"A": (4.0, 3.0), "B": (6.5, 4.5), "C": (2.5, 2.5)}


def test_throughput_counts_cards_done_per_iso_week(metrics):
    assert [(w["week"], w["start"], w["count"]) for w in metrics["throughput"]] == [
        ("2026-W10", "2026-03-02", 0),
        ("2026-W11", "2026-03-09", 1),
        ("2026-W12", "2026-03-16", 2),
    ]


def test_the_cumulative_flow_counts_cards_per_column_at_the_end_of_each_day(metrics):
    dates = metrics["cfd"]["dates"]
    assert dates[0] == "2026-03-07" and dates[-1] == "2026-03-20" and len(dates) == 14
    by_day = {day: tuple(series["counts"][i] for series in metrics["cfd"]["series"]) for i, day in enumerate(dates)}
    # (Backlog, Doing, Review, Done)
    assert by_day["2026-03-07"] == (0, 0, 0, 0)
    assert by_day["2026-03-08"] == (1, 0, 0, 0)
    assert by_day["2026-03-09"] == (2, 1, 0, 0)
    assert by_day["2026-03-12"] == (1, 1, 1, 1)
    assert by_day["2026-03-13"] == (1, 1, 0, 2)
    assert by_day["2026-03-20"] == (1, 2, 0, 3)


def test_time_in_column_is_the_mean_time_cards_spent_there(metrics):
    assert [(row["name"], row["cards"], row["mean_days"]) for row in metrics["time_in_column"]] == [
        ("Backlog", 5, 3.4),
        ("Doing", 5, 4.1),
        ("Review", 1, 1.0),
    ]


def test_wip_age_lists_started_unfinished_cards_oldest_first(metrics):
    assert [(w["title"], w["column"], w["age_days"]) for w in metrics["wip_age"]] == [
        ("F", "Doing", 11.5),
        ("D", "Doing", 2.0),
    ]


def test_the_85th_percentile_is_the_nearest_rank():
    assert percentile_85([]) is None
    assert percentile_85([5.0]) == 5.0
    assert percentile_85([float(v) for v in range(1, 21)]) == 17.0  # ceil(0.85 * 20) = 17th value
