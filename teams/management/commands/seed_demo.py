"""Create the demo user, team and data of every area (idempotent)."""

import logging
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from teams.audit import audit_record
from teams.demo import DemoData
from teams.models import Membership, Role, Team


class Command(BaseCommand):
    help = "Create (idempotently) user demo/demo, team 'demo' and demo data for every area."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DJANGO_DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create the demo user (password 'demo') with DJANGO_DEBUG off; "
                "pass --force to do it anyway."
            )
        with transaction.atomic(), _quiet_audit_log():
            user, created = get_user_model().objects.get_or_create(
                username="demo", defaults={"email": "demo@example.com", "first_name": "Demo", "last_name": "User"}
            )
            if created or not user.check_password("demo"):
                user.set_password("demo")
                user.save()
            team, _ = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
            Membership.objects.update_or_create(team=team, user=user, defaults={"role": Role.OWNER})
            for demo in _declared_demo_data():
                demo.seed(team=team, user=user, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready: log in as demo / demo, team 'demo'."))
        self.stdout.write(
            "The demo user is not an administrator; for /admin/ create one: python manage.py createsuperuser"
        )


def _declared_demo_data() -> list[DemoData]:
    """What the installed apps declare on their AppConfig (`demo = DemoData(...)`), by order."""
    declared = [getattr(config, "demo", None) for config in apps.get_app_configs()]
    return sorted((demo for demo in declared if isinstance(demo, DemoData)), key=lambda demo: demo.order)


@contextmanager
def _quiet_audit_log():
    """Keep the audit trail of the demo objects but not one log line each (dozens on every fresh start)."""
    audit_logger = logging.getLogger(audit_record.__module__)
    level = audit_logger.level
    audit_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        audit_logger.setLevel(level)
