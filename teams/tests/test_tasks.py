from datetime import timedelta

import pytest
from django.utils import timezone

from teams.models import AuditEvent
from teams.tasks import prune_audit_events


@pytest.mark.worker
def test_a_real_worker_prunes_old_audit_events_and_keeps_recent_ones(celery_worker, team):
    old = AuditEvent.objects.create(team=team, action="old", created_at=timezone.now() - timedelta(days=400))
    recent = AuditEvent.objects.create(team=team, action="recent")

    result = prune_audit_events.delay(365)
    deadline = timezone.now() + timedelta(seconds=20)
    while AuditEvent.objects.filter(pk=old.pk).exists() and timezone.now() < deadline:
        import time

        time.sleep(0.1)

    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert result.id
