"""Which address the login limit and the audit trail see: only configured proxies are believed."""

import pytest

from teams.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _login(client, username, forwarded_for=None, remote="203.0.113.9"):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/accounts/login/", {"username": username, "password": "nope"}, headers=headers, REMOTE_ADDR=remote
    )


def test_without_a_trusted_proxy_a_rotated_forwarded_for_does_not_bypass_the_address_limit(client, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    # Each guess names another user: what stops them is the limit per address across usernames.
    for n in range(settings.LOGIN_RATE_LIMIT_PER_ADDRESS):
        assert _login(client, f"guess{n}", forwarded_for=f"198.51.100.{n}").status_code == 200
    assert _login(client, "one-more", forwarded_for="198.51.100.200").status_code == 429
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_behind_one_proxy_the_address_it_appended_is_the_client(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    _login(client, "someone", forwarded_for="10.9.9.9, 192.0.2.44", remote="10.0.0.2")
    assert AuditEvent.objects.get(action="login.failed").ip_address == "192.0.2.44"


def test_a_forged_address_cannot_lock_out_a_victims_address(client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    for n in range(settings.LOGIN_RATE_LIMIT):
        _login(client, f"guess{n}", forwarded_for=f"192.0.2.7, 198.51.100.{n}", remote="10.0.0.2")
    assert _login(client, "victim", forwarded_for="192.0.2.7", remote="10.0.0.2").status_code == 200


def test_a_ui_action_records_where_it_came_from(client_in, team, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    response = client_in.post(
        f"/t/{team.slug}/board/new/",
        {"name": "Ops", "columns": "To do, Done"},
        headers={"X-Forwarded-For": "192.0.2.55"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="board.created").ip_address == "192.0.2.55"
