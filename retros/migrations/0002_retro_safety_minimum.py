from django.db import migrations, models


def fix_minimums(apps, schema_editor):
    """Existing retros keep the team's current minimum, raised to the floor of 3."""
    Retro = apps.get_model("retros", "Retro")
    RetroSettings = apps.get_model("retros", "RetroSettings")
    for settings in RetroSettings.objects.filter(safety_minimum__gt=3):
        Retro.objects.filter(team_id=settings.team_id).update(safety_minimum=settings.safety_minimum)
    RetroSettings.objects.filter(safety_minimum__lt=3).update(safety_minimum=3)


class Migration(migrations.Migration):
    dependencies = [
        ("retros", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="retro",
            name="safety_minimum",
            field=models.PositiveSmallIntegerField(default=3, editable=False),
        ),
        migrations.AlterField(
            model_name="retrosettings",
            name="safety_minimum",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="The safety distribution is shown only with at least this many answers (retros started later).",
            ),
        ),
        migrations.RunPython(fix_minimums, migrations.RunPython.noop),
    ]
