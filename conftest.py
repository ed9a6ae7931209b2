"""Fixtures shared by every app's tests: users and teams, a real Celery worker, a real browser."""

import os
import shutil

import pytest
from django.conf import settings

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


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (login rate limits live there)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _plain_http_and_static_files(settings):
    """The suite passes whatever DJANGO_DEBUG says: the test client speaks plain http (no SSL redirect).

    Static files come from the finders unless DJANGO_DEBUG is explicitly off (CI's production pass,
    which runs collectstatic first and so tests the manifest storage production serves).
    """
    settings.SECURE_SSL_REDIRECT = False
    if os.environ.get("DJANGO_DEBUG") is None:
        settings.STORAGES = {**settings.STORAGES, "staticfiles": DEVELOPMENT_STATICFILES}
        settings.WHITENOISE_USE_FINDERS = True


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


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


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
