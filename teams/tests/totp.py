"""What an authenticator app does, for tests: the code of a TOTP secret; and enrolling through allauth's pages."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time


def totp_code(secret: str, step: int = 0) -> str:
    """The authenticator app's code for the current 30 s period (`step` periods later)."""
    counter = next(iter(yield_hotp_counters_from_time())) + step
    return format_hotp_value(hotp_value(secret, counter))


def log_in(client, user, password: str = "password"):
    return client.post("/accounts/login/", {"username": user.username, "password": password})


def open_enrolment(client) -> str:
    """The TOTP set-up page (confirming the password first, as allauth asks); the secret it shows."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        assert client.post(page["Location"], {"password": "password"}).status_code == 302
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    return client.session["mfa.totp.secret"]


def enrol(client, user) -> str:
    """Log in and set up an authenticator app; the secret."""
    assert log_in(client, user).status_code == 302
    secret = open_enrolment(client)
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    # On a refusal, show what the page says about it (the form's errors), not the head of the page.
    text = response.content.decode()
    assert response.status_code == 302, text[text.find("<main") :][:1500]
    return secret
