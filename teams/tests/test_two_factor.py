"""Two-factor authentication (allauth MFA): TOTP enrolment and sign-in, recovery codes, a team that requires it."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from teams.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _code(secret: str, step: int = 0) -> str:
    """The authenticator app's code for the current 30 s period (`step` periods later)."""
    counter = next(iter(yield_hotp_counters_from_time())) + step
    return format_hotp_value(hotp_value(secret, counter))


def _log_in(client, user):
    return client.post("/accounts/login/", {"username": user.username, "password": "password"})


def _open_enrolment(client) -> str:
    """The TOTP set-up page (confirming the password first, as allauth asks); the secret it shows."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        assert client.post(page["Location"], {"password": "password"}).status_code == 302
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    return client.session["mfa.totp.secret"]


def _enrol(client, user) -> str:
    assert _log_in(client, user).status_code == 302
    secret = _open_enrolment(client)
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302, response.content[:400]
    return secret


def test_enrolment_then_sign_in_needs_a_code_and_a_recovery_code_works_once(client, user, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the enrolment code is spent: sign in with the next period's
    secret = _enrol(client, user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert secret not in str(stored.data)  # encrypted at rest
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    client.post("/accounts/logout/")

    response = _log_in(client, user)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    assert client.post("/accounts/2fa/authenticate/", {"code": _code(secret, 1)}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post("/accounts/logout/")

    _log_in(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    client.post("/accounts/logout/")
    _log_in(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200  # used up


def test_a_team_requiring_two_factor_sends_members_without_it_to_enrol(client, user, team):
    _log_in(client, user)
    client.post(f"/t/{team.slug}/security/", {"require_mfa": "on"})
    assert AuditEvent.objects.filter(action="team.mfa_required", team=team).exists()

    response = client.get(f"/t/{team.slug}/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")

    secret = _open_enrolment(client)
    client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert client.get(f"/t/{team.slug}/members/").status_code == 200
