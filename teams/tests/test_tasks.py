import logging
import time
from datetime import timedelta

import pytest
import structlog
from django.utils import timezone

from teams.models import AuditEvent
from teams.tasks import prune_audit_events


@pytest.mark.worker
def test_a_real_worker_prunes_old_audit_events_and_keeps_recent_ones(celery_worker, team):
    old = AuditEvent.objects.create(team=team, action="old", created_at=timezone.now() - timedelta(days=400))
    recent = AuditEvent.objects.create(team=team, action="recent")

    prune_audit_events.delay(365)
    deadline = time.monotonic() + 20
    while AuditEvent.objects.filter(pk=old.pk).exists() and time.monotonic() < deadline:
        time.sleep(0.1)

    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_pruning_reports_how_many_events_went_and_keeps_those_inside_the_window(team):
    AuditEvent.objects.create(team=team, action="old", created_at=timezone.now() - timedelta(days=400))
    AuditEvent.objects.create(team=team, action="older", created_at=timezone.now() - timedelta(days=800))
    AuditEvent.objects.create(team=team, action="recent", created_at=timezone.now() - timedelta(days=300))

    assert prune_audit_events(365) == 2
    assert list(AuditEvent.objects.filter(team=team).values_list("action", flat=True)) == ["recent"]


@pytest.mark.worker
def test_task_log_lines_carry_the_task_id_and_the_enqueuing_request_id(celery_worker, caplog):
    structlog.contextvars.bind_contextvars(request_id="req-from-web")
    try:
        with caplog.at_level(logging.INFO, logger="django_structlog"):
            result = prune_audit_events.delay(365)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not any("task_succeeded" in str(r.msg) for r in caplog.records):
                time.sleep(0.1)
    finally:
        structlog.contextvars.clear_contextvars()
    finished = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "task_succeeded"]
    assert finished, [r.msg for r in caplog.records]
    assert finished[0]["task_id"] == result.id
    assert finished[0]["request_id"] == "req-from-web"
