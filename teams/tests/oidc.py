"""A real OpenID Connect provider for the sign-in tests: the npm package oidc-provider (fakes/oidc_provider.mjs).

It runs as a Node.js process on loopback with one registered client, whose redirect URI is ours, and the
accounts a test names. `oidc_sso` serves the test client (`http(s)://testserver`), `oidc_sso_live` the browser
(the live server). Either configures allauth's `openid_connect` app the way OIDC_* in the environment does.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "fakes" / "oidc_provider.mjs"
CALLBACK = "/accounts/oidc/oidc/login/callback/"
CLIENT_ID, SECRET = "devopsboard", "devopsboard-test-secret"
NAME = "Example SSO"
# The form on oidc-provider's login and consent pages: where it posts, and which prompt it answers.
FORM = re.compile(
    r'<form[^>]* action="(?P<action>[^"]+)" method="post">\s*<input type="hidden" name="prompt" value="(?P<prompt>\w+)"'
)
# login:email:name[:unverified]: the provider vouches for the address unless it says unverified.
ACCOUNTS = [
    "ada:ada@example.com:Ada Lovelace",
    "grace:grace@example.com:Grace Hopper",
    "mallory:bob@example.com:Mallory:unverified",
]


class OIDCProvider:
    """oidc-provider in a child process, stopped by `stop()`."""

    def __init__(self, redirect_uri: str, accounts=ACCOUNTS):
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
            how = "needs Node.js and `npm ci` (oidc-provider, a devDependency): `make assets` installs it"
            if os.environ.get("CI"):
                pytest.fail(how, pytrace=False)
            pytest.skip(how)
        command = [node, str(SCRIPT), "--port", "0", "--redirect-uri", redirect_uri]
        command += ["--client-id", CLIENT_ID, "--client-secret", SECRET]
        for account in accounts:
            command += ["--account", account]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = self.process.stdout.readline() if self.process.stdout else ""
        if not first.startswith("issuer "):
            self.stop()
            raise RuntimeError(f"oidc-provider did not start (exit {self.process.returncode}): {first!r}")
        self.issuer = first.split()[1]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def app_settings(self) -> dict:
        """SOCIALACCOUNT_PROVIDERS as settings.py builds it from OIDC_SERVER_URL, OIDC_CLIENT_ID, ... ."""
        app = {
            "provider_id": "oidc",
            "name": NAME,
            "client_id": CLIENT_ID,
            "secret": SECRET,
            "settings": {"server_url": self.issuer},
        }
        return {"openid_connect": {"APPS": [app]}}


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """What the person does at the provider (its login page, then its consent page): the callback URL it sends back to.

    The pages are oidc-provider's development interactions: a form with `login` and `password`, then a
    consent form; each step answers with redirects through `/auth/...` until one leaves the provider.
    """
    session = requests.Session()
    issuer = authorize_url.split("/auth", 1)[0]
    response = session.get(authorize_url, allow_redirects=False, timeout=5)
    for _step in range(10):
        location = response.headers.get("Location", "")
        if response.status_code not in (302, 303) or not location:
            raise AssertionError(f"the provider answered {response.status_code}: {response.text[:300]}")
        url = location if location.startswith("http") else issuer + location
        if not url.startswith(issuer):
            return url
        response = session.get(url, allow_redirects=False, timeout=5)
        form = FORM.search(response.text) if response.status_code == 200 else None
        if form is not None:
            fields = {"prompt": form["prompt"]}
            if form["prompt"] == "login":
                fields |= {"login": login, "password": "any: the development login page takes any"}
            response = session.post(urljoin(url, form["action"]), data=fields, allow_redirects=False, timeout=5)
    raise AssertionError("the provider never sent the browser back")


def _configure(settings, provider: OIDCProvider) -> None:
    """Settings as OIDC_SERVER_URL, OIDC_CLIENT_ID, ... make them: the app, and CSP's form-action with the issuer."""
    settings.SOCIALACCOUNT_PROVIDERS = provider.app_settings()
    policy = settings.CONTENT_SECURITY_POLICY
    directives = policy["DIRECTIVES"]
    directives = directives | {"form-action": [*directives["form-action"], provider.issuer]}
    settings.CONTENT_SECURITY_POLICY = policy | {"DIRECTIVES": directives}


@pytest.fixture
def oidc_sso(settings):
    """The provider, its client's redirect URI on the test client's host, configured in allauth."""
    provider = OIDCProvider(f"{settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL}://testserver{CALLBACK}")
    _configure(settings, provider)
    yield provider
    provider.stop()


@pytest.fixture
def oidc_sso_live(settings, live_server):
    """The provider for the browser: its client's redirect URI is on the live server (plain http)."""
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
    provider = OIDCProvider(live_server.url + CALLBACK)
    _configure(settings, provider)
    yield provider
    provider.stop()
