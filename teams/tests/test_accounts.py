import pytest
from django.core import mail

from teams.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_good_login_lands_on_the_team_home_and_is_audited(client, team, user):
    response = _login(client, user.username, "password")
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.status_code == 200
    assert landing.request["PATH_INFO"] == f"/t/{team.slug}/"
    assert AuditEvent.objects.filter(action="login.succeeded", actor=user).exists()


def test_a_failed_login_says_what_is_wrong_and_is_audited(client, user):
    response = _login(client, user.username, "nope")
    assert response.status_code == 200
    assert b"do not match" in response.content
    assert AuditEvent.objects.filter(action="login.failed", data__username=user.username).exists()


def test_repeated_failures_are_refused_with_429_and_retry_after(client, user, settings):
    for _ in range(settings.LOGIN_RATE_LIMIT):
        assert _login(client, user.username, "nope").status_code == 200
    response = _login(client, user.username, "password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.LOGIN_RATE_WINDOW
    assert b"Too many failed attempts" in response.content
    assert AuditEvent.objects.filter(action="login.throttled").exists()


def test_the_limit_also_applies_per_address_across_usernames(client, settings):
    for n in range(settings.LOGIN_RATE_LIMIT_PER_ADDRESS):
        _login(client, f"guess{n}", "nope")
    assert _login(client, "someone-else", "nope").status_code == 429


def test_a_full_width_spelling_of_a_username_counts_against_the_same_user(client, settings):
    from teams.tests.factories import UserFactory

    UserFactory(username="viewer_a")
    for _ in range(settings.LOGIN_RATE_LIMIT):
        assert _login(client, "\uff56iewer_A", "nope").status_code == 200  # ｖiewer_A, a full-width v
    assert _login(client, "viewer_a", "password").status_code == 429


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(client, user, settings):
    for _ in range(settings.LOGIN_RATE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "nope"}, REMOTE_ADDR="203.0.113.9")
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": "nope"}, REMOTE_ADDR="203.0.113.9"
        ).status_code
        == 429
    )
    elsewhere = client.post(
        "/accounts/login/", {"username": user.username, "password": "password"}, REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 302


def test_a_user_without_a_team_is_offered_to_create_one(client, user):
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert b"You are not in a team yet" in response.content
    response = client.post("/t/", {"name": "Night Shift"}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/t/night-shift/"


def test_a_password_reset_mails_a_link(client, user):
    response = client.post("/accounts/password_reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_a_password_change_needs_the_old_password(client, user):
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"oldpassword": "wrong", "password1": "a-much-better-one-42", "password2": "a-much-better-one-42"},
    )
    assert response.status_code == 200
    assert b"error" in response.content
