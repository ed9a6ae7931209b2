"""Flow metrics of a board, replayed from card history (the `created` and `moved` lines).

Definitions (all durations in days, rounded to 2 decimals):
- a card *starts* the first time it is in a column other than the board's first one;
- a card is *done* when it entered the done column it is still in (moving it back undoes that);
- lead time = done − created; cycle time = done − started;
- median is the middle value (mean of the two middle ones for an even count); the 85th
  percentile is the nearest rank: the smallest value with at least 85 % of values ≤ it;
- cumulative flow: cards in each column at the end of each day of the window (now for today);
- throughput: cards done per ISO week (weeks start on Monday);
- time in column: mean total time the cards present in the window spent in a non-done column;
- WIP age: now − started, for started cards not done and not archived.
"""

import math
import statistics
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from kanban.models import Board, Card, CardEvent, CardEventKind

DAY = 86400.0


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / DAY, 2)


def percentile_85(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.85 * len(ordered))) - 1]


def _distribution(values: list[float]) -> dict:
    return {
        "count": len(values),
        "median": round(statistics.median(values), 2) if values else None,
        "p85": percentile_85(values),
        "values": sorted(values),
    }


def board_flow_metrics(*, board: Board, days: int = 30, now: datetime | None = None) -> dict:
    """Cumulative flow, lead/cycle time, throughput, time in column and WIP age for the last `days`."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start_date = timezone.localtime(now, tz).date() - timedelta(days=days - 1)
    window_start = datetime.combine(start_date, time.min, tzinfo=tz)
    columns = list(board.columns.order_by("position", "id"))
    first_id = columns[0].pk if columns else None
    done_ids = {c.pk for c in columns if c.is_done}

    visits: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    rows = (
        CardEvent.objects.filter(board=board, kind__in=[CardEventKind.CREATED, CardEventKind.MOVED])
        .exclude(to_column=None)
        .order_by("created_at", "id")
        .values_list("card_id", "to_column_id", "created_at")
    )
    for card_id, column_id, at in rows:
        visits[card_id].append((at, column_id))
    cards = {
        c["id"]: c
        for c in Card.objects.filter(board=board).values("id", "title", "column_id", "archived_at", "created_at")
    }

    completed: list[dict[str, Any]] = []
    wip_age: list[dict[str, Any]] = []
    time_in: dict[int, list[float]] = defaultdict(list)
    for card_id, entries in visits.items():
        card = cards.get(card_id)
        if card is None:
            continue
        created = entries[0][0]
        started = next((at for at, col in entries if col != first_id), None)
        last_at, last_col = entries[-1]
        done = None
        if last_col in done_ids:
            done = last_at
            # Entered done through several done columns: done since the first of that final run.
            for at, col in reversed(entries):
                if col not in done_ids:
                    break
                done = at
        if done is not None and done >= window_start:
            completed.append(
                {
                    "id": card_id,
                    "title": card["title"],
                    "done_at": done.isoformat(),
                    "lead_time_days": _days(done - created),
                    "cycle_time_days": _days(done - started) if started else None,
                }
            )
        if done is None and started is not None and card["archived_at"] is None:
            wip_age.append(
                {"id": card_id, "title": card["title"], "column": last_col, "age_days": _days(now - started)}
            )
        per_column: dict[int, timedelta] = defaultdict(timedelta)
        touched = False
        for index, (at, col) in enumerate(entries):
            end = entries[index + 1][0] if index + 1 < len(entries) else now
            if col in done_ids:
                continue
            per_column[col] += end - at
            touched = touched or end >= window_start
        if touched:
            for col, spent in per_column.items():
                time_in[col].append(spent.total_seconds() / DAY)

    dates = [start_date + timedelta(days=i) for i in range(days)]
    counts = {c.pk: [0] * days for c in columns}
    for entries in visits.values():
        pointer, current = 0, None
        for index, day in enumerate(dates):
            cutoff = now if index == days - 1 else datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
            while pointer < len(entries) and entries[pointer][0] < cutoff:
                current = entries[pointer][1]
                pointer += 1
            if current in counts:
                counts[current][index] += 1

    weeks: dict[str, dict] = {}
    monday = start_date - timedelta(days=start_date.weekday())
    while monday <= dates[-1]:
        iso = monday.isocalendar()
        weeks[f"{iso.year}-W{iso.week:02d}"] = {"week": f"{iso.year}-W{iso.week:02d}", "start": str(monday), "count": 0}
        monday += timedelta(days=7)
    for item in completed:
        done_local = timezone.localtime(datetime.fromisoformat(item["done_at"]), tz).date()
        iso = done_local.isocalendar()
        key = f"{iso.year}-W{iso.week:02d}"
        if key in weeks:
            weeks[key]["count"] += 1

    names = {c.pk: c.name for c in columns}
    for item in wip_age:
        item["column"] = names.get(item["column"], "")
    wip_age.sort(key=lambda item: -item["age_days"])
    completed.sort(key=lambda item: item["done_at"])
    return {
        "board": board.pk,
        "days": days,
        "generated_at": now.isoformat(),
        "columns": [{"id": c.pk, "name": c.name, "is_done": c.is_done} for c in columns],
        "cfd": {
            "dates": [str(d) for d in dates],
            "series": [{"column": c.pk, "name": c.name, "counts": counts[c.pk]} for c in columns],
        },
        "lead_time": _distribution([c["lead_time_days"] for c in completed]),
        "cycle_time": _distribution([c["cycle_time_days"] for c in completed if c["cycle_time_days"] is not None]),
        "completed": completed,
        "throughput": list(weeks.values()),
        "time_in_column": [
            {
                "column": c.pk,
                "name": c.name,
                "cards": len(time_in[c.pk]),
                "mean_days": round(statistics.fmean(time_in[c.pk]), 2) if time_in[c.pk] else None,
            }
            for c in columns
            if not c.is_done
        ],
        "wip_age": wip_age,
    }
