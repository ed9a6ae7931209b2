"""The Alertmanager intake: token, inbox-first storage, incidents opened and updated per alert group."""

import json

import pytest
from django.core.management import call_command

from postmortems.alertmanager import alertmanager_token_create
from postmortems.models import AlertNotification, Postmortem, Status, TimelineEntry
from postmortems.services import settings_update

pytestmark = pytest.mark.django_db(transaction=True)


def alert(name, status, starts, ends="0001-01-01T00:00:00Z", fingerprint=None, severity="critical"):
    return {
        "status": status,
        "labels": {"alertname": name, "severity": severity, "service": "checkout"},
        "annotations": {"summary": f"{name} is {status}"},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": fingerprint or f"fp-{name}",
    }


def notification(group, status, alerts, severity="critical"):
    return {
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "devopsboard",
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
        "commonLabels": {"alertname": alerts[0]["labels"]["alertname"], "severity": severity},
        "commonAnnotations": {"summary": f"{alerts[0]['labels']['alertname']} on checkout"},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


@pytest.fixture
def token(team):
    return alertmanager_token_create(team=team)


def post(client, team, payload, token):
    return client.post(
        f"/integrations/alertmanager/{team.slug}/",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def test_firing_then_resolved_then_another_group_firing_gives_two_incidents_with_their_timelines(client, team, token):
    settings_update(team=team, by=None, severity_labels={"critical": "SEV2"})
    group_a = '{}:{alertname="HighErrorRate"}'
    firing = notification(group_a, "firing", [alert("HighErrorRate", "firing", "2026-03-01T10:00:00Z")])
    first_post = post(client, team, firing, token)
    assert first_post.status_code == 202
    repeat = post(client, team, firing, token)  # Alertmanager repeats a group: the same row, stored once
    assert (repeat.status_code, repeat.json()["id"]) == (200, first_post.json()["id"])
    resolved = notification(
        group_a,
        "resolved",
        [alert("HighErrorRate", "resolved", "2026-03-01T10:00:00Z", ends="2026-03-01T10:45:00Z")],
    )
    assert post(client, team, resolved, token).status_code == 202
    other = notification(
        '{}:{alertname="DiskFull"}', "firing", [alert("DiskFull", "firing", "2026-03-02T08:00:00Z")], "warning"
    )
    assert post(client, team, other, token).status_code == 202

    first, second = Postmortem.objects.for_team(team).order_by("id")
    assert (first.title, first.severity, first.status) == ("HighErrorRate on checkout", "SEV2", Status.DRAFT)
    assert first.started_at.isoformat() == "2026-03-01T10:00:00+00:00"
    assert first.resolved_at.isoformat() == "2026-03-01T10:45:00+00:00"
    assert first.time_to_restore == 45 * 60
    assert [(e.kind, e.text) for e in first.timeline.all()] == [
        ("detection", "Alert HighErrorRate firing: HighErrorRate is firing"),
        ("resolution", "Alert HighErrorRate resolved: HighErrorRate is resolved"),
    ]
    assert (second.title, second.severity, second.resolved_at) == ("DiskFull on checkout", "SEV3", None)
    assert list(second.timeline.values_list("text", flat=True)) == ["Alert DiskFull firing: DiskFull is firing"]
    assert AlertNotification.objects.filter(team=team, processed_at__isnull=False).count() == 3


def test_a_group_that_fires_again_reopens_its_incident(client, team, token):
    group = "g1"
    post(client, team, notification(group, "firing", [alert("A", "firing", "2026-03-01T10:00:00Z")]), token)
    resolved = [alert("A", "resolved", "2026-03-01T10:00:00Z", ends="2026-03-01T10:10:00Z")]
    post(client, team, notification(group, "resolved", resolved), token)
    post(client, team, notification(group, "firing", [alert("A", "firing", "2026-03-01T11:00:00Z")]), token)
    incident = Postmortem.objects.for_team(team).get()
    assert incident.resolved_at is None
    assert incident.timeline.count() == 3


@pytest.mark.parametrize("header", ["", "Bearer wrong", "Token {token}", "Bearer {token}x"])
def test_a_bad_token_gets_401_and_nothing_is_stored(client, team, token, header):
    payload = notification("g", "firing", [alert("A", "firing", "2026-03-01T10:00:00Z")])
    response = client.post(
        f"/integrations/alertmanager/{team.slug}/",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": header.format(token=token)} if header else {},
    )
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not AlertNotification.objects.exists() and not Postmortem.objects.exists()
    assert not TimelineEntry.objects.exists()


def test_another_teams_token_does_not_open_this_teams_intake(client, team, other_team, token):
    other_token = alertmanager_token_create(team=other_team)
    payload = notification("g", "firing", [alert("A", "firing", "2026-03-01T10:00:00Z")])
    assert post(client, team, payload, other_token).status_code == 401
    assert post(client, other_team, payload, token).status_code == 401
    assert not AlertNotification.objects.exists()


def test_a_payload_that_is_not_alertmanagers_gets_400_and_nothing_is_stored(client, team, token):
    assert post(client, team, {"hello": "world"}, token).status_code == 400
    response = client.post(
        f"/integrations/alertmanager/{team.slug}/",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert not AlertNotification.objects.exists()


def test_the_command_prints_the_url_and_the_same_token_every_time(team, capsys):
    call_command("alertmanager_token", "--team", team.slug)
    first = capsys.readouterr().out
    call_command("alertmanager_token", "--team", team.slug)
    second = capsys.readouterr().out
    assert first == second
    assert f"/integrations/alertmanager/{team.slug}/" in first
    token = next(line.split(": ", 1)[1] for line in first.splitlines() if line.startswith("Token: "))
    assert token.startswith("am_") and len(token) > 30
    stored = team.postmortem_settings
    stored.refresh_from_db()
    assert token not in stored.alertmanager_token_hash
