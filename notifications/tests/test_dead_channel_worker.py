"""A dead channel never slows the request that caused the event: the send happens in a real worker."""

import statistics
import time

import pytest
from django.test import Client

from kanban.tests.factories import make_board
from notifications.models import Delivery
from notifications.tests.factories import json_channel
from notifications.tests.receiver import receiving


def _timed(client: Client, method: str, path: str, **data: str) -> float:
    started = time.monotonic()
    response = getattr(client, method)(path, data) if data else getattr(client, method)(path)
    assert response.status_code < 500
    return time.monotonic() - started


@pytest.mark.worker
@pytest.mark.redis
def test_a_channel_that_never_answers_fails_in_the_log_without_delaying_the_request(
    celery_worker, client_in, team, user, settings
):
    settings.NOTIFICATIONS_RETRY_SECONDS = 0
    settings.OUTBOUND_TIMEOUT = 1
    board = make_board(team, limits={"To do": (1, "hard")}, by=user)
    column = board.columns.get(name="To do")
    add = f"/t/{team.slug}/board/{board.pk}/columns/{column.pk}/cards/"
    client_in.post(add, {"title": "first"})
    with receiving(delay=5) as receiver:
        json_channel(team, receiver, events=["wip.limit_hit"])
        trivial = statistics.median(_timed(client_in, "get", "/healthz") for _ in range(5))
        # A card into the full column: refused, and the refusal announced to the channel that never answers.
        took = _timed(client_in, "post", add, title="one too many")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Delivery.objects.filter(status="failed").exists():
            time.sleep(0.2)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 4)
    assert delivery.error == "The service did not answer in time."
    assert len(receiver.requests) == 4
    # The request only queued the send: it took about as long as a trivial one, far less than one 1 s timeout.
    assert took < trivial + 0.5, f"the refused card took {took:.3f} s, a trivial request {trivial:.3f} s"
