"""The audit trail of accounts: sign-in, two-factor enrolment and removal (sign-up and role changes:
test_signup_policy.py, test_github_signin.py, test_member_roles.py; tokens: tokens/tests/test_token_pages.py)."""

import pytest
from allauth.mfa.models import Authenticator

from teams.models import AuditEvent
from teams.tests.totp import enrol, log_in, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.production]


def _actions(user) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(actor=user, action__startswith="mfa.").order_by("created_at", "pk")
    return [(event.action, event.data["type"]) for event in events]


def test_enrolling_an_authenticator_app_is_audited_with_its_recovery_codes(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # allauth sends its signal once the change commits
        enrol(client, user)

    assert _actions(user) == [("mfa.added", "totp"), ("mfa.added", "recovery_codes")]
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert AuditEvent.objects.get(action="mfa.added", data__type="totp").object_id == str(totp.pk)


def test_regenerating_recovery_codes_is_audited(client, user, django_capture_on_commit_callbacks):
    enrol(client, user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/recovery-codes/generate/")

    assert response.status_code == 302
    assert _actions(user)[-1] == ("mfa.reset", "recovery_codes")


def test_removing_the_authenticator_app_is_audited_and_so_are_the_recovery_codes_that_go_with_it(client, user):
    enrol(client, user)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302 and not Authenticator.objects.filter(user=user).exists()
    assert _actions(user)[-2:] == [("mfa.removed", "totp"), ("mfa.removed", "recovery_codes")]


def test_a_sign_in_is_audited_once_the_second_factor_is_given_and_a_wrong_code_is_audited_too(client, user, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    secret = enrol(client, user)
    client.post("/accounts/logout/")
    AuditEvent.objects.all().delete()

    log_in(client, user)
    assert not AuditEvent.objects.filter(action="login.succeeded").exists()  # the password alone is not a sign-in
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, 1)})

    actions = list(AuditEvent.objects.filter(actor=user).order_by("pk").values_list("action", flat=True))
    assert actions == ["login.mfa_failed", "login.succeeded"]
