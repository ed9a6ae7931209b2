"""Demo answers to the report's checklist, so the demo report shows both kinds of evidence."""

from dashboard.models import DashboardSettings

DEMO_CHECKLIST = {"containerised": True, "monitoring": True, "db_migrations": True, "alerting": False}


def seed(*, team, user, stdout) -> None:
    settings = DashboardSettings.of(team)
    if not settings.checklist:
        settings.checklist = dict(DEMO_CHECKLIST)
        settings.save()
