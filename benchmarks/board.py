"""Board page server time for 100, 1,000 and 5,000 open cards on PostgreSQL, and what a move costs.

Uses a throwaway database `bench_board` on the server of DATABASE_URL (created and dropped
here). Times are measured in-process through Django's test client (the whole middleware
stack and template rendering, no network), median of several runs after a warm-up. The
baseline is the same board page with no cards, measured in the same run.

Moves: a card dropped into the middle of a column of 100 and of 5,000 cards (between two
anchors, through the drag-and-drop request and the API), with its SQL statements counted;
and how many requests a client needs to read every card of the board (`page_size=500`).
"""

import os
import sys
import time
from urllib.parse import urlparse, urlunparse

from benchmarks.harness import recreate_database, require, time_ms

SIZES = (100, 1000, 5000)
SHORT_SIZES = (100, 1000)
DB_NAME = "bench_board"
# Share of open cards per column: a long backlog, as on real boards (Taiga's 3,000-card column).
SPREAD = (("Backlog", 0.6), ("Ready", 0.1), ("In progress", 0.1), ("Review", 0.05), ("Done", 0.15))


def _fill(board, user, label, n: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kanban.models import Card, CardEvent, ChecklistItem

    columns = {c.name: c for c in board.columns.all()}
    now = timezone.now()
    cards: list = []
    for name, share in SPREAD:
        column = columns[name]
        for position in range(round(n * share)):
            created = now - timedelta(hours=len(cards) % 500)
            cards.append(
                Card(
                    team=board.team,
                    board=board,
                    column=column,
                    position=position,
                    title=f"{name} card {position}",
                    description="Some *Markdown* text.",
                    description_html="<p>Some <em>Markdown</em> text.</p>",
                    created_at=created,
                    column_entered_at=created,
                    started_at=None if name == "Backlog" else created,
                    done_at=created if column.is_done else None,
                )
            )
    cards = Card.objects.bulk_create(cards, batch_size=1000)
    Card.labels.through.objects.bulk_create([Card.labels.through(card=c, label=label) for c in cards], batch_size=2000)
    Card.assignees.through.objects.bulk_create(
        [Card.assignees.through(card=c, user=user) for c in cards[::2]], batch_size=2000
    )
    ChecklistItem.objects.bulk_create([ChecklistItem(card=c, text="check") for c in cards[::5]], batch_size=2000)
    CardEvent.objects.bulk_create(
        [
            CardEvent(card=c, board=board, kind="created", to_column=c.column, data={}, created_at=c.created_at)
            for c in cards
        ],
        batch_size=2000,
    )


def main(*, short: bool) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("board: needs DATABASE_URL pointing at PostgreSQL (a database bench_board is created there).")
        return
    bench_url = urlunparse(urlparse(url)._replace(path=f"/{DB_NAME}"))
    recreate_database(url, DB_NAME)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("REDIS_URL", None)
    try:
        _run(short=short)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, DB_NAME, drop_only=True)


def _run(*, short: bool) -> None:
    import django

    django.setup()
    from django.conf import settings

    # Plain static storage: the benchmark does not run collectstatic.
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kanban.services import board_create, label_create
    from teams.services import team_create
    from teams.tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    user = UserFactory.create(username="bench")
    team = team_create(name="Bench", by=user)
    label = label_create(team=team, name="ops", color="teal", by=user)
    columns = [{"name": name, "is_done": name == "Done"} for name, _ in SPREAD]
    client = Client()
    client.force_login(user)
    runs = 5 if short else 11

    def measure(board):
        page = reverse("kanban:board", kwargs={"team": team.slug, "board_id": board.pk})
        api = f"/api/v1/teams/{team.slug}/cards/?board={board.pk}"
        flow = reverse("kanban:flow-json", kwargs={"team": team.slug, "board_id": board.pk})

        def get(path):
            response = client.get(path, secure=True)
            assert response.status_code == 200, (path, response.status_code)
            return response

        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            size = len(get(page).content)
        page_ms = time_ms(lambda: get(page), runs=runs)
        api_ms = time_ms(lambda: get(api), runs=runs)
        flow_ms = time_ms(lambda: get(flow), runs=max(3, runs // 2))
        return page_ms, len(queries), size, api_ms, flow_ms

    empty = board_create(team=team, name="empty", by=user, columns=columns)
    base, base_queries, base_size, base_api, base_flow = measure(empty)
    print(
        f"{'open cards':>10} | {'board page median':>17} | {'p90':>7} | {'x baseline':>10} | {'queries':>7} | "
        f"{'HTML KiB':>8} | {'card API':>8} | {'flow JSON':>9}"
    )
    print(
        f"{0:>10} | {base[0]:>14.1f} ms | {base[1]:>4.1f} ms | {1:>10.2f} | {base_queries:>7} | "
        f"{base_size / 1024:>8.0f} | {base_api[0]:>5.1f} ms | {base_flow[0]:>6.1f} ms"
    )
    sizes_queries = []
    for n in SHORT_SIZES if short else SIZES:
        board = board_create(team=team, name=f"{n} cards", by=user, columns=columns)
        _fill(board, user, label, n)
        connection.cursor().execute("ANALYZE")
        (median, p90), queries, size, api_ms, flow_ms = measure(board)
        print(
            f"{n:>10} | {median:>14.1f} ms | {p90:>4.1f} ms | {median / base[0]:>10.2f} | {queries:>7} | "
            f"{size / 1024:>8.0f} | {api_ms[0]:>5.1f} ms | {flow_ms[0]:>6.1f} ms"
        )
        sizes_queries.append((n, queries))
        _every_card(get_all=lambda path: client.get(path, secure=True), team=team, board=board, n=n, runs=runs)
    # Deterministic: the board page's query count does not grow with its cards (times are only printed).
    # The smallest board sets the budget: a board with cards prefetches labels and assignees, an empty one cannot.
    smallest, budget = sizes_queries[0]
    for n, queries in sizes_queries[1:]:
        require(f"board page queries at {n} cards (as at {smallest})", queries, at_most=budget)
    _moves(client, team, user, label, columns, short=short)
    sys.stdout.flush()


def _every_card(*, get_all, team, board, n: int, runs: int) -> None:
    """Print what reading every card through the API costs per card, at the largest page, against a trivial list.

    The trivial list is the caller's teams (one row, the same authentication, pagination and renderer),
    measured in the same run, so the ratio does not depend on the machine's load.
    """
    page_size = 500  # kanban.api.CardPagination.max_page_size

    def read_all():
        url, cards = f"/api/v1/teams/{team.slug}/cards/?board={board.pk}&page_size={page_size}", 0
        while url:
            response = get_all(url)
            assert response.status_code == 200, (url, response.status_code)
            body = response.json()
            cards += len(body["results"])
            url = body["next"]
        assert cards == n, (cards, n)

    every, _ = time_ms(read_all, runs=max(3, runs // 2))
    trivial, _ = time_ms(lambda: get_all("/api/v1/teams/"), runs=runs)
    per_card = every * 1000 / n
    print(
        f"{'':>10}   every card via the API ({-(-n // page_size)} pages of {page_size}): {every:.1f} ms, "
        f"{per_card:.0f} µs a card; trivial list {trivial:.2f} ms: a card costs {per_card / 1000 / trivial:.3f} "
        f"trivial lists, all {n} cost {every / trivial:.1f}"
    )


def _moves(client, team, user, label, columns, *, short: bool) -> None:
    from django.db import connection

    from kanban.services import board_create

    print()
    print(
        f"{'column':>10} | {'drop (htmx) median':>18} | {'p90':>7} | {'queries':>7} | {'API move':>8} | "
        f"{'queries':>7} | {'list requests':>13} | {'full list':>9}"
    )
    # A drop costs the same statements into a long column as into a short one: the short run checks it at
    # 1,000 cards (its fill and full listing take a fraction of 5,000's), the long run at 5,000.
    counts = []
    for n in (100, 1000) if short else (100, 5000):
        board = board_create(team=team, name=f"moves {n}", by=user, columns=columns)
        _fill(board, user, label, round(n / SPREAD[0][1]))
        connection.cursor().execute("ANALYZE")
        counts.append((n, _move_row(client, team, board, n)))
    (small, small_counts), (large, large_counts) = counts
    for kind, at_small, at_large in zip(("drop", "API move"), small_counts, large_counts, strict=True):
        require(f"{kind} queries into a column of {large} cards (as at {small})", at_large, at_most=at_small)


def _move_row(client, team, board, n: int) -> tuple[int, int]:
    """Print one row of move figures; return the statements of a drop and of an API move."""
    from django.db import connection
    from django.urls import reverse

    from kanban.models import Card

    backlog = board.columns.get(name="Backlog")
    ready = board.columns.get(name="Ready")
    middle = list(Card.objects.open().filter(column=backlog).order_by("position", "id")[n // 2 : n // 2 + 2])
    movers = list(Card.objects.open().filter(column=ready).order_by("position", "id")[:40])
    total = Card.objects.open().filter(board=board).count()
    rounds = iter(range(10_000))

    def drop(api: bool):
        card = movers[next(rounds) % len(movers)]
        # Into the middle of Backlog between two anchors, then back to Ready's top: both are moves.
        body = {"column": backlog.pk, "after": middle[0].pk, "before": middle[1].pk}
        back = {"column": ready.pk, "position": 0}
        if api:
            url = f"/api/v1/teams/{team.slug}/cards/{card.pk}/move/"
            post = [client.post(url, data, content_type="application/json", secure=True) for data in (body, back)]
        else:
            url = reverse("kanban:card-move", kwargs={"team": team.slug, "card_id": card.pk})
            post = [client.post(url, data, HTTP_HX_REQUEST="true", secure=True) for data in (body, back)]
        assert all(r.status_code == 200 for r in post), [r.status_code for r in post]

    def statements(api: bool) -> int:
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            drop(api)
        return len(queries) // 2

    page_ms = time_ms(lambda: drop(False), runs=15)
    api_ms = time_ms(lambda: drop(True), runs=15)
    requests = 0
    url = f"/api/v1/teams/{team.slug}/cards/?board={board.pk}&page_size=500"
    start = time.perf_counter()
    while url:
        requests += 1
        url = client.get(url, secure=True).json()["next"]
    full_ms = (time.perf_counter() - start) * 1000
    drop_queries, api_queries = statements(False), statements(True)
    print(
        f"{n:>10} | {page_ms[0] / 2:>15.1f} ms | {page_ms[1] / 2:>4.1f} ms | {drop_queries:>7} | "
        f"{api_ms[0] / 2:>5.1f} ms | {api_queries:>7} | {requests:>7} ({total}) | {full_ms:>6.0f} ms"
    )
    # The API move is the drop's form and service: it costs what a drop costs (issue 9 item 6).
    require(f"API move statements in a column of {n}", api_queries, at_most=10)
    return drop_queries, api_queries
