"""The postmortem page says each thing once, in its place, in words people use."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from integrations.tests.factories import RepositoryFactory
from postmortems.services import postmortem_create, postmortem_request_review, timeline_entry_add
from postmortems.tests.factories import DeploymentFactory

pytestmark = pytest.mark.sqlite

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def timeline_card(html):
    return html.split('id="timeline"')[1].split("</section>")[0]


def test_a_new_draft_says_it_was_opened_once(client_in, team):
    response = client_in.post(
        f"/t/{team.slug}/postmortems/new/", {"title": "Queue stuck", "severity": "SEV2"}, follow=True
    )
    assert response.content.decode().count("Draft opened from the team") == 1


def test_action_item_added_is_said_at_the_top_not_in_the_timeline(client_in, team, user):
    pm = postmortem_create(team=team, title="Queue stuck", by=user)
    response = client_in.post(
        f"/t/{team.slug}/postmortems/{pm.pk}/actions/",
        {"action-description": "Alert on depth", "action-priority": "normal"},
        follow=True,
    )
    html = response.content.decode()
    assert html.count("Action item added.") == 1
    assert "Action item added." not in timeline_card(html)


def test_a_new_timeline_entry_starts_in_the_incident_window_not_now(client_in, team, user):
    pm = postmortem_create(team=team, title="Queue stuck", by=user, started_at=START)
    html = client_in.get(pm.get_absolute_url()).content.decode()
    assert 'name="entry-at" value="2026-03-01T10:00"' in html
    timeline_entry_add(postmortem=pm, by=user, at=START + timedelta(minutes=20), kind="note", text="paged")
    html = client_in.get(pm.get_absolute_url()).content.decode()
    assert 'name="entry-at" value="2026-03-01T10:20"' in html


def test_revisions_read_as_words(client_in, team, user):
    pm = postmortem_create(team=team, title="Queue stuck", by=user)
    postmortem_request_review(postmortem=pm, by=user, reviewers=[user])
    html = client_in.get(pm.get_absolute_url()).content.decode()
    revisions = html.split('id="rev-h"')[1]
    assert "Sent to review" in revisions and "review_requested" not in revisions


def test_caused_by_offers_the_windows_deployments_when_none_is_named(client_in, team, user):
    repository = RepositoryFactory(connection__team=team, owner="shop", name="web")
    at = START - timedelta(hours=2)
    DeploymentFactory(repository=repository, created_at=at - timedelta(minutes=2), status_updated_at=at, ref="v1.4.2")
    pm = postmortem_create(
        team=team, title="Deploy v1.4.2 broke checkout", by=user, started_at=START, caused_by_deployment=None
    )
    html = client_in.get(pm.get_absolute_url()).content.decode()
    caused = html.split("data-caused-by>")[1].split("</dd>")[0]
    assert "pick one of the 1 deployment before the start" in caused
    assert 'href="#id_caused_by_deployment"' in caused and "shop/web v1.4.2 to production" in caused
    assert 'id="id_caused_by_deployment"' in html


def test_each_fields_hints_quote_that_field_alone(client_in, team, user):
    pm = postmortem_create(team=team, title="Hints", by=user)
    response = client_in.post(
        f"/t/{team.slug}/postmortems/{pm.pk}/hints/",
        {
            "summary": "It was human error.",
            "impact": "Orders waited for an hour.",
            "trigger": "Bob should have checked",
        },
    )
    blocks = dict(re.findall(r'data-hints-for="(\w+)">(.*?)</div>', response.content.decode(), flags=re.S))
    assert set(blocks) == {"summary", "trigger"}
    assert "<mark>human error</mark>" in blocks["summary"] and "Orders" not in blocks["summary"]
    assert "should have" in blocks["trigger"] and "human error" not in blocks["trigger"]
