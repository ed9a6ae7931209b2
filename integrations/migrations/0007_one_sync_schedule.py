from django.db import migrations, models
from django.utils import timezone


def schedules_to_rows(apps, schema_editor):
    """Each repository syncs from its own next_sync_at now: drop the per-repository beat rows."""
    Repository = apps.get_model("integrations", "Repository")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    paused = set(
        PeriodicTask.objects.filter(name__startswith="github-sync-repository-", enabled=False).values_list(
            "name", flat=True
        )
    )
    for repository in Repository.objects.filter(sync_enabled=True):
        if f"github-sync-repository-{repository.pk}" not in paused:
            repository.next_sync_at = timezone.now()
            repository.save(update_fields=["next_sync_at"])
    PeriodicTask.objects.filter(name__startswith="github-sync-repository-").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0006_commit_checks_release_tombstones"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="repository",
            name="next_sync_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.RunPython(schedules_to_rows, migrations.RunPython.noop),
    ]
