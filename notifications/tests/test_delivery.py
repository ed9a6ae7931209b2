"""Sending a delivery: retries on transient failures only, then the failure in plain words in the log."""

import socket
import time
from typing import Any

import pytest

from notifications.models import Channel, Delivery
from notifications.services import channel_test
from notifications.tests.factories import json_channel
from notifications.tests.receiver import receiving

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_wait_between_retries(settings):
    settings.NOTIFICATIONS_RETRY_SECONDS = 0


def _send_test(channel: Channel, capture: Any) -> Delivery:
    with capture(execute=True):
        delivery = channel_test(channel=channel, by=None)
    delivery.refresh_from_db()
    return delivery


def test_a_refused_connection_is_retried_then_logged_as_failed(team, django_capture_on_commit_callbacks):
    with receiving() as receiver:
        channel = json_channel(team, receiver)
    # The server is gone: nothing listens on its port any more.

    delivery = _send_test(channel, django_capture_on_commit_callbacks)

    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 4  # the first try and 3 retries
    assert delivery.error == "The service refused the connection (nothing listens there)."
    assert delivery.finished_at is not None


def test_a_server_error_is_retried_then_logged_with_its_status(team, django_capture_on_commit_callbacks):
    with receiving(status=500) as receiver:
        channel = json_channel(team, receiver)
        delivery = _send_test(channel, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 4
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 4)
    assert delivery.error == "The service answered HTTP 500 (a problem on its side)."


def test_a_receiver_that_never_answers_times_out_and_is_retried(team, settings, django_capture_on_commit_callbacks):
    settings.OUTBOUND_TIMEOUT = 0.5
    with receiving(delay=3) as receiver:
        channel = json_channel(team, receiver)
        started = time.monotonic()
        delivery = _send_test(channel, django_capture_on_commit_callbacks)
        took = time.monotonic() - started

    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 4)
    assert delivery.error == "The service did not answer in time."
    assert took < 4 * 0.5 + 2  # each attempt gave up after the policy's timeout, not the receiver's 3 s


def test_a_refusal_by_the_service_is_not_retried(team, django_capture_on_commit_callbacks):
    with receiving(status=404) as receiver:
        channel = json_channel(team, receiver)
        delivery = _send_test(channel, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "HTTP 404" in delivery.error and "check that the channel URL" in delivery.error


def test_a_host_the_policy_forbids_is_refused_before_any_byte_is_sent(
    team, settings, django_capture_on_commit_callbacks
):
    with receiving() as receiver:
        channel = json_channel(team, receiver)
        settings.OUTBOUND_ALLOWED_HOSTS = []  # the operator no longer allows loopback
        delivery = _send_test(channel, django_capture_on_commit_callbacks)

    assert receiver.requests == []
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "loopback" in delivery.error


def test_a_sent_delivery_is_not_sent_again_when_its_task_runs_twice(team, django_capture_on_commit_callbacks):
    from notifications.tasks import deliver

    with receiving() as receiver:
        channel = json_channel(team, receiver)
        delivery = _send_test(channel, django_capture_on_commit_callbacks)
        deliver.apply(args=(delivery.pk,))

    assert len(receiver.requests) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_name_that_resolves_elsewhere_when_apprise_connects_is_refused(settings):
    """DNS rebinding: the check's lookup says public, Apprise's own lookup of the same name says loopback. The
    connect is refused before a byte is sent, and the refusal is ours (OutboundRefused), not "service down"."""
    from core.outbound import OutboundPolicy, OutboundRefused
    from notifications import client

    def public_for_the_check(name, port, type=socket.SOCK_STREAM):
        return [(socket.AF_INET, type, 6, "", ("140.82.112.5", port))]

    settings.OUTBOUND_ALLOWED_HOSTS = []
    policy = OutboundPolicy.from_settings(resolver=public_for_the_check)
    with receiving() as receiver, pytest.raises(OutboundRefused, match="loopback"):
        client.send(url=f"json://localhost:{receiver.port}/hook", title="Rebound", body="words", policy=policy)
    assert receiver.requests == []
