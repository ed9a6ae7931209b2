"""Live counters: a poll learns which parts changed after its version, also across a lost cache."""

import time

import pytest
from django.core.cache import cache

from core.live import live_bump, live_changed_since, live_version

pytestmark = pytest.mark.django_db

KEY = "test:core-live"
STAMPS = {1: f"{KEY}:part:1", 2: f"{KEY}:part:2"}


@pytest.fixture(autouse=True)
def fresh_cache():
    keys = [KEY, f"{KEY}:started", *STAMPS.values()]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def bump(django_capture_on_commit_callbacks):
    def bump(*parts):
        with django_capture_on_commit_callbacks(execute=True):
            live_bump(KEY, stamps=[STAMPS[part] for part in parts])

    return bump


def test_a_poll_learns_only_the_parts_stamped_after_its_version(bump):
    version = live_version(KEY)
    assert live_changed_since(KEY, since=version, stamps=STAMPS) == (version, [])
    bump(2)
    assert live_changed_since(KEY, since=version, stamps=STAMPS) == (version + 1, [2])
    assert live_changed_since(KEY, since=version + 1, stamps=STAMPS) == (version + 1, [])


def test_after_the_cache_lost_a_counter_it_starts_ahead_and_every_part_refreshes_once(bump):
    version = live_version(KEY)
    bump(1)
    time.sleep(0.01)  # the restarted count comes from the clock: later than any version given before
    cache.delete_many([KEY, f"{KEY}:started", *STAMPS.values()])

    restarted = live_version(KEY)

    assert restarted > version + 1
    assert live_changed_since(KEY, since=version + 1, stamps=STAMPS) == (restarted, [1, 2])
    assert live_changed_since(KEY, since=restarted, stamps=STAMPS) == (restarted, [])


def test_a_version_the_counter_never_gave_refreshes_every_part():
    version = live_version(KEY)
    assert live_changed_since(KEY, since=version + 99, stamps=STAMPS) == (version, [1, 2])
