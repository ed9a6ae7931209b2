"""Demo answers to the report's checklist, so the demo report shows both kinds of evidence."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import OutputWrapper

from dashboard.models import DashboardSettings
from teams.models import Team

DEMO_CHECKLIST = {"containerised": True, "monitoring": True, "db_migrations": True, "alerting": False}


def seed(*, team: Team, user: AbstractBaseUser, stdout: OutputWrapper) -> None:
    settings = DashboardSettings.of(team)
    if not settings.checklist:
        settings.checklist = dict(DEMO_CHECKLIST)
        settings.save()
