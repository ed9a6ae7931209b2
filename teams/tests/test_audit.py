"""The audit trail's log lines: written for what commits, never for a change that was rolled back."""

import logging

import pytest
from django.db import transaction

from teams.audit import audit_record
from teams.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _logged_actions(caplog) -> list[str]:
    return [record.msg["action"] for record in caplog.records if record.name == "teams.audit"]


def test_an_audit_event_rolled_back_with_its_change_leaves_no_log_line(team, caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.rolled_back", team=team)
        raise RuntimeError("the change fails after its audit event")
    audit_record(action="test.committed", team=team)
    assert _logged_actions(caplog) == ["test.committed"]
    assert list(AuditEvent.objects.filter(team=team).values_list("action", flat=True)) == ["test.committed"]
