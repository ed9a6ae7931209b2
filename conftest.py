"""Fixtures shared by every app's tests: users and teams, a real Celery worker, a real browser."""

import os
import re
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DEVELOPMENT_STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Redis has 16 databases (0-15) unless configured otherwise.
REDIS_DATABASES = 16


def redis_url_of_worker(url: str, worker: str) -> str:
    """REDIS_URL for pytest-xdist worker `gwN`: the same server, database number REDIS_URL's plus N."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = base + int(worker.removeprefix("gw"))
    if number >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"REDIS_URL's database {base} plus worker {worker} is past Redis's last database "
            f"({REDIS_DATABASES - 1}): use a lower database number or fewer workers (-n)."
        )
    return urlunsplit(parts._replace(path=f"/{number}"))


def pytest_configure(config):
    """Under pytest-xdist every worker has its own Redis database, as it has its own test database.

    pytest-django gives worker `gwN` the database `test_<name>_gwN`; here the same worker gets Redis
    database REDIS_URL's number + N for the cache (login limits, live counters) and the Celery broker,
    and so does every process a test starts (the environment).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        return
    url = redis_url_of_worker(settings.REDIS_URL, worker)
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
    from django.core.cache import caches

    caches._settings = None  # nothing has used the cache yet: CACHES is read again on first use
    caches.__dict__.pop("settings", None)
    from devopsboard.celery import app

    app.conf.broker_url = url


# What a test marked `redis` or `postgres` needs, and how to get it.
NEEDS = {
    "redis": (lambda: bool(settings.REDIS_URL), "needs Redis: set REDIS_URL"),
    "postgres": (lambda: connection.vendor == "postgresql", "needs PostgreSQL: point DATABASE_URL at one"),
}


def pytest_runtest_setup(item):
    """A test needing Redis or PostgreSQL never skips silently under CI: without it, it fails.

    Elsewhere it skips, saying what to set. A pass without the service deselects it by its marker
    (`make test-sqlite` runs `-m "... and not redis and not postgres"`).
    """
    for marker, (available, how) in NEEDS.items():
        if item.get_closest_marker(marker) and not available():
            if os.environ.get("CI"):
                pytest.fail(f"{how}; under CI a pass without it deselects the test (-m 'not {marker}').", pytrace=False)
            pytest.skip(how)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (login rate limits live there), and with nothing a test that took Redis
    away left in the process (sign-in's fallback entries and its "skip Redis for a few seconds", core/cache.py)."""
    from django.core.cache import cache

    from core.cache import local_fallback_clear

    cache.clear()
    local_fallback_clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _plain_http_and_static_files(django_test_environment):
    """The suite passes whatever DJANGO_DEBUG says: the test client speaks plain http (no SSL redirect).

    Static files come from the finders unless DJANGO_DEBUG is explicitly off (CI's production pass,
    which runs collectstatic first and so tests the manifest storage production serves). Set for the
    whole session, before the live server builds its middleware once (a per-test override came too late
    for it: with DJANGO_DEBUG unset the browser was redirected to https).
    """
    from django.test import override_settings

    changes: dict = {"SECURE_SSL_REDIRECT": False}
    if os.environ.get("DJANGO_DEBUG") is None:
        changes |= {"STORAGES": {**settings.STORAGES, "staticfiles": DEVELOPMENT_STATICFILES}}
        changes |= {"WHITENOISE_USE_FINDERS": True}
    # override_settings, not assignment: its setting_changed signal drops the storages already built.
    override = override_settings(**changes)
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _no_waiting(settings):
    """What only makes tests wait: a password hash of a million PBKDF2 rounds for each user a factory makes, and
    the GitHub client's pause between requests and backoff between retries (tasks run in-process, so a sync
    route's retries against a closed port slept ~7 s a request)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = None
    settings.GITHUB_RETRY_BACKOFF = 0


@pytest.fixture(autouse=True)
def _outbound_to_local_servers(settings):
    """The fake GitHub and other test servers listen on http://127.0.0.1: the outbound policy lets them through."""
    settings.OUTBOUND_ALLOW_HTTP = True
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def _encryption_key(settings):
    """Tests run with DEBUG off, where secrets at rest need a key: give every test one."""
    if not settings.FIELD_ENCRYPTION_KEY:
        from cryptography.fernet import Fernet

        settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks run eagerly in every test (as without REDIS_URL) unless it starts `celery_worker`."""
    from devopsboard.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def user(db):
    from teams.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def team(user):
    from teams.tests.factories import MembershipFactory

    return MembershipFactory(user=user, role="owner").team


@pytest.fixture
def other_team(db):
    """A team the `user` fixture is not a member of."""
    from teams.tests.factories import MembershipFactory

    return MembershipFactory(role="owner").team


@pytest.fixture
def client_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def api_client(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


# --- a real Celery worker ----------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    """Run a real Celery worker thread on the configured broker (Redis in CI).

    Tasks are sent through the broker, not run eagerly, for the duration of the test.
    """
    from celery.contrib.testing.worker import start_worker

    from devopsboard.celery import app

    app.conf.task_always_eager = False
    if settings.REDIS_URL:
        # A private queue name keeps a stray worker of a dev server from stealing test tasks.
        app.conf.broker_url = settings.REDIS_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING") as w:
            yield w
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


# --- a real browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped (with how to install) only outside CI."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser tests (apt-get install -y chromium).")
        pytest.skip("Chromium is missing: `sudo apt-get install -y chromium` to run the browser tests.")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class ConsoleErrors:
    """What a page wrote to its console as an error (CSP reports included) or threw uncaught."""

    def __init__(self):
        self.seen: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Expect errors matching `pattern` (a refused request the test provokes logs one)."""
        self.allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        def on_console(message) -> None:
            if message.type == "error":
                self.seen.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.seen.append(f"uncaught: {error}"))

    def unexpected(self) -> list[str]:
        return [text for text in self.seen if not any(p.search(text) for p in self.allowed)]


@pytest.fixture
def console_errors():
    """Every browser test fails at teardown on a console error it did not `allow()`."""
    errors = ConsoleErrors()
    yield errors
    unexpected = errors.unexpected()
    assert not unexpected, "The browser logged errors:\n" + "\n".join(unexpected)


def open_page(browser, live_server, console_errors, **context_options):
    options = {"base_url": live_server.url, "viewport": {"width": 1280, "height": 900}} | context_options
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    console_errors.watch(page)
    return page


@pytest.fixture
def page(browser, live_server, console_errors):
    page = open_page(browser, live_server, console_errors)
    yield page
    page.context.close()


@pytest.fixture
def phone_page(browser, live_server, console_errors):
    """A page the size of a phone (390×844, touch), for layout checks."""
    page = open_page(
        browser,
        live_server,
        console_errors,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    page.context.close()


@pytest.fixture
def login(live_server):
    """Log a browser page in through the real login form."""

    def do_login(page, username, password="password"):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return do_login
