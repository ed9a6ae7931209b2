"""The Alertmanager intake under hostile bodies: refused at the door, never stopping the sweep, bounded cost."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortems.alertmanager import alertmanager_token_create
from postmortems.models import AlertNotification, Postmortem, TimelineEntry
from postmortems.tasks import process_pending_alerts
from teams.models import AuditEvent


def alert(name="HighErrorRate", status="firing", n=0):
    return {
        "status": status,
        "labels": {"alertname": name, "instance": f"web-{n}"},
        "annotations": {"summary": f"{name} on web-{n}"},
        "startsAt": "2026-03-01T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": f"fp-{n:05d}",
    }


def notification(alerts, group="g", status="firing", **changes):
    return {
        "version": "4",
        "groupKey": group,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "devopsboard",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
        "commonAnnotations": {"summary": "HighErrorRate on checkout"},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
        **changes,
    }


def post_raw(client, team, token, body: bytes | str):
    return client.post(
        f"/integrations/alertmanager/{team.slug}/",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def with_alert(**changes):
    return json.dumps(notification([{**alert(), **changes}]))


MALFORMED = {
    "commonLabels a string": json.dumps(notification([alert()], commonLabels="oops")),
    "labels a string": with_alert(labels="x"),
    "annotations a list": with_alert(annotations=["summary", "x"]),
    "a label value a number": with_alert(labels={"alertname": 5}),
    "an alert not an object": json.dumps(notification(["firing"])),
    "alerts an object": json.dumps(notification({"0": alert()})),
    "status unknown": json.dumps(notification([alert()], status="maybe")),
    "an alert's status missing": with_alert(status=None),
    "startsAt a number": with_alert(startsAt=1700000000),
    "version 3": json.dumps(notification([alert()], version="3")),
    "truncatedAlerts text": json.dumps(notification([alert()], truncatedAlerts="many")),
    "groupKey a list": json.dumps(notification([alert()], group=["g"])),
    "100k nested brackets": "[" * 100_000 + "]" * 100_000,
    "nested objects in an unknown key": json.dumps(
        notification([alert()], extra={"a": {"b": {"c": {"d": [[[[1]]]]}}}})
    ),
    "a NUL in a label": with_alert(labels={"alertname": "A\u0000B"}),
    "a NUL in a key": json.dumps(notification([alert()], **{"x\u0000": "y"})),
    "a lone surrogate": with_alert(labels={"alertname": "\ud800"}),
    "NaN": json.dumps(notification([alert()], truncatedAlerts=float("nan"))),
    "Infinity": json.dumps(notification([alert()], truncatedAlerts=float("inf"))),
    "a number beyond a double": json.dumps(notification([alert()])).replace('"truncatedAlerts": 0', '"t": 1e999'),
    "not UTF-8": b'{"groupKey": "\xff"}',
    "not JSON": "{not json",
}


@pytest.fixture
def token(team):
    return alertmanager_token_create(team=team)


@pytest.mark.django_db
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_notification_gets_400_with_a_detail_and_nothing_is_stored(client, team, token, body):
    response = post_raw(client, team, token, body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("This is not an Alertmanager webhook notification: ")
    assert not AlertNotification.objects.exists()


@pytest.mark.django_db
def test_rows_that_cannot_be_processed_are_marked_failed_and_the_sweep_goes_on(team, token):
    # Rows as an intake without checks stored them; a valid notification queued after them.
    bad = [
        notification([alert()], group="a", commonLabels="oops"),
        notification([{**alert(), "labels": "x"}], group="b"),
        notification([{**alert(), "annotations": ["x"]}], group="c"),
        notification([{**alert(), "startsAt": "2026-13-45T10:00:00Z"}], group="d"),
    ]
    long_ago = timezone.now() - timedelta(minutes=5)
    for payload in [*bad, notification([alert("Valid")], group="valid")]:
        AlertNotification.objects.create(
            team=team, group_key=payload["groupKey"], status="firing", payload=payload, received_at=long_ago
        )
    assert process_pending_alerts() == 5
    failed = AlertNotification.objects.filter(team=team).exclude(error="")
    assert sorted(failed.values_list("group_key", flat=True)) == ["a", "b", "c"]
    assert all(row.processed_at for row in failed)
    assert "commonLabels must be an object of strings" in failed.get(group_key="a").error
    assert set(Postmortem.objects.for_team(team).values_list("alert_group_key", flat=True)) == {"d", "valid"}
    assert process_pending_alerts() == 0  # a failed row is not tried again


@pytest.mark.django_db(transaction=True)
def test_a_replay_of_the_same_content_stores_no_second_body(client, team, token):
    payload = notification([alert()])
    first = post_raw(client, team, token, json.dumps(payload))
    same_keys_reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    replay = post_raw(client, team, token, same_keys_reordered)
    assert (first.status_code, replay.status_code) == (202, 200)
    assert replay.json()["id"] == first.json()["id"]
    assert AlertNotification.objects.count() == 1
    resolved = notification([{**alert(), "status": "resolved", "endsAt": "2026-03-01T11:00:00Z"}], status="resolved")
    assert post_raw(client, team, token, json.dumps(resolved)).status_code == 202
    assert AlertNotification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_group_of_4600_alerts_is_processed_in_under_10_seconds_with_one_audit_event(client, team, token):
    # About the size of the group in the issue (972 KB), as Alertmanager writes it: no spaces.
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "Err", "instance": f"w{n}"},
            "annotations": {"summary": f"w{n} down"},
            "startsAt": "2026-03-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"{n:016x}",
        }
        for n in range(4600)
    ]
    body = json.dumps(notification(alerts), separators=(",", ":"))
    assert 900_000 < len(body) < 1024 * 1024
    started = time.monotonic()
    response = post_raw(client, team, token, body)  # the task runs in-process after commit
    elapsed = time.monotonic() - started
    assert response.status_code == 202
    incident = Postmortem.objects.for_team(team).get()
    assert TimelineEntry.objects.filter(postmortem=incident).count() == 4600
    assert AlertNotification.objects.get().processed_at is not None
    assert "w4599 down" in Postmortem.objects.get(pk=incident.pk).search_text
    assert AuditEvent.objects.filter(action="postmortem.timeline_added").count() == 1
    assert elapsed < 10, f"{elapsed:.1f} s"


labels = st.one_of(
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=2),
    st.none(),
    st.integers(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
alerts = st.fixed_dictionaries(
    {"status": st.sampled_from(["firing", "resolved", "other", 1])},
    optional={
        "labels": labels,
        "annotations": labels,
        "startsAt": st.one_of(st.text(max_size=25), st.just("2026-03-01T10:00:00Z"), st.integers()),
        "endsAt": st.one_of(st.text(max_size=25), st.just("0001-01-01T00:00:00Z")),
        "fingerprint": st.one_of(st.text(max_size=10), st.integers()),
        "extra": json_values,
    },
)
payloads = st.fixed_dictionaries(
    {
        "groupKey": st.one_of(st.text(max_size=20), st.integers(), st.none()),
        "status": st.sampled_from(["firing", "resolved", "", None]),
        "alerts": st.one_of(st.lists(alerts | json_values, max_size=4), json_values),
    },
    optional={
        "version": st.sampled_from(["4", "3", 4]),
        "commonLabels": labels,
        "commonAnnotations": labels,
        "groupLabels": labels,
        "truncatedAlerts": st.one_of(st.integers(), st.floats(), st.text(max_size=3)),
        "receiver": json_values,
    },
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(payloads, json_values))
def test_whatever_the_payload_the_intake_answers_2xx_or_4xx(
    client, team, token, payload, django_capture_on_commit_callbacks
):
    body = json.dumps(payload, allow_nan=True)
    before = AlertNotification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # the processing task runs too
        response = post_raw(client, team, token, body)
    assert 200 <= response.status_code < 500
    assert response.json()["detail"]
    if response.status_code >= 400:
        assert AlertNotification.objects.count() == before
