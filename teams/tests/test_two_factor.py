"""Two-factor authentication (allauth MFA): TOTP enrolment and sign-in, recovery codes, a team that requires it."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from teams.models import AuditEvent
from teams.tests.totp import enrol, log_in, open_enrolment, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def test_enrolment_then_sign_in_needs_a_code_and_a_recovery_code_works_once(client, user, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the enrolment code is spent: sign in with the next period's
    secret = enrol(client, user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert secret not in str(stored.data)  # encrypted at rest
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    client.post("/accounts/logout/")

    response = log_in(client, user)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post("/accounts/logout/")

    log_in(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    client.post("/accounts/logout/")
    log_in(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200  # used up


def test_a_team_requiring_two_factor_sends_members_without_it_to_enrol(client, user, team):
    log_in(client, user)
    client.post(f"/t/{team.slug}/security/", {"require_mfa": "on"})
    assert AuditEvent.objects.filter(action="team.mfa_required", team=team).exists()

    response = client.get(f"/t/{team.slug}/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")

    secret = open_enrolment(client)
    client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert client.get(f"/t/{team.slug}/members/").status_code == 200


def test_wrong_codes_are_limited_per_account_and_address_like_wrong_passwords(client, user, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    secret = enrol(client, user)
    client.post("/accounts/logout/")
    log_in(client, user)

    for _ in range(settings.LOGIN_RATE_LIMIT):
        assert "Incorrect code" in client.post("/accounts/2fa/authenticate/", {"code": "000000"}).content.decode()
    refused = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)})

    assert refused.status_code == 200 and "Too many wrong codes" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The same account from another address is not locked out by these failures.
    other = Client(REMOTE_ADDR="192.0.2.7")
    log_in(other, user)
    assert other.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)}).status_code == 302
