"""Search: a word of the timeline, a tag, ranking and highlighted snippets, filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from postmortems.services import postmortem_create, timeline_entry_add, timeline_entry_update

pytestmark = pytest.mark.sqlite


@pytest.fixture
def incidents(team, user):
    now = timezone.now()
    cache = postmortem_create(team=team, title="Cache outage", by=user, started_at=now, tags=["Redis", "cache"])
    db = postmortem_create(
        team=team, title="Database failover", by=user, started_at=now - timedelta(days=1), summary="Primary died."
    )
    timeline_entry_add(postmortem=db, at=now, text="Promoted the replica in eu-west", by=user)
    return cache, db


def titles(client, team, query):
    response = client.get(f"/t/{team.slug}/postmortems/?{query}")
    assert response.status_code == 200
    return [pm.title for pm in response.context["postmortems"]]


def test_search_finds_a_postmortem_by_a_word_of_its_timeline(client_in, team, incidents):
    assert titles(client_in, team, "q=replica") == ["Database failover"]
    # Stemming on PostgreSQL: "promoting" finds "Promoted" (the SQLite fallback matches substrings only).
    assert titles(client_in, team, "q=promoted") == ["Database failover"]


def test_a_timeline_edit_is_searchable_at_once(client_in, team, user, incidents):
    _, db = incidents
    entry = db.timeline.get()
    timeline_entry_update(entry=entry, by=user, text="Rebuilt the index on the standby")
    assert titles(client_in, team, "q=replica") == []
    assert titles(client_in, team, "q=standby") == ["Database failover"]


def test_search_finds_a_postmortem_by_tag_and_the_tag_filter_too(client_in, team, incidents):
    assert titles(client_in, team, "q=redis") == ["Cache outage"]
    assert titles(client_in, team, "tag=redis") == ["Cache outage"]
    assert titles(client_in, team, "tag=nope") == []


def test_search_results_carry_a_highlighted_snippet_with_the_text_escaped(client_in, team, user):
    postmortem_create(
        team=team, title="Escaping", by=user, summary="The <b>queue</b> overflowed when the consumer stalled."
    )
    html = client_in.get(f"/t/{team.slug}/postmortems/?q=consumer").content.decode()
    assert "<mark>consumer</mark>" in html
    assert "<b>queue</b>" not in html


def test_the_api_filters_by_q_tag_status_and_severity(api_client, team, incidents):
    url = f"/api/v1/teams/{team.slug}/postmortems/"
    assert [r["title"] for r in api_client.get(url, {"q": "replica"}).json()["results"]] == ["Database failover"]
    assert [r["title"] for r in api_client.get(url, {"tag": "cache"}).json()["results"]] == ["Cache outage"]
    assert api_client.get(url, {"status": "published"}).json()["count"] == 0
    assert api_client.get(url, {"severity": "SEV3"}).json()["count"] == 2
    bad = api_client.get(url, {"severity": "SEV9"})
    assert bad.status_code == 400 and "severity" in bad.json()
