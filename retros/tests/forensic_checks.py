"""Checks both forensic tests (PostgreSQL and the embedded default) make once a retro's phases closed."""

import pytest

from teams.models import AuditEvent, Team


def assert_audit_and_request_log_name_nobody(team: Team, caplog: pytest.LogCaptureFixture) -> None:
    """The audit table holds facilitation only; the contribution requests' log lines carry no user id."""
    actions = set(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
    assert "retro.phase_changed" in actions
    assert not actions & {"retro.note_added", "retro.voted", "retro.safety_answered"}

    # The other requests' lines do carry the user id, so this can fail.
    lines = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "request_finished"]
    contributions = [line for line in lines if any(p in line["request"] for p in ("/safety/", "/notes/", "/vote/"))]
    assert len(contributions) == 12
    assert all("user_id" not in line for line in contributions)
    assert all(line.get("user_id") for line in lines if "/phase/" in line["request"])
