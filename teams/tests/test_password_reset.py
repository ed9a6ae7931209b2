"""Password reset needs mail: without it, in production, it is off and says so."""

import pytest
from django.core import mail

pytestmark = [pytest.mark.django_db, pytest.mark.production]

CONSOLE = "django.core.mail.backends.console.EmailBackend"


def test_without_mail_in_production_password_reset_is_off_and_prints_no_link(client, user, settings, capsys):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = CONSOLE

    page = client.get("/accounts/password_reset/")
    posted = client.post("/accounts/password_reset/", {"email": user.email})

    assert page.status_code == 200
    assert b"Password reset is off" in page.content
    assert b"EMAIL_URL" in page.content
    assert posted.status_code == 403
    assert "reset" not in capsys.readouterr().out.lower()


def test_with_mail_configured_password_reset_sends_a_link(client, user, settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = client.post("/accounts/password_reset/", {"email": user.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body
