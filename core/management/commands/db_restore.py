from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.backup import KEYS_REMINDER, BackupError, database_restore


class Command(BaseCommand):
    help = "Restore a backup made by db_backup into the (fresh, empty) database DATABASE_URL names."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file.")

    def handle(self, *args, file: str, **options):
        try:
            database_restore(settings.DATABASES["default"], Path(file))
        except BackupError as error:
            raise CommandError(str(error))
        # A backup of an older version is brought up to this one's schema, as after an upgrade.
        call_command("migrate", interactive=False, verbosity=0)
        users = get_user_model().objects.count()
        self.stdout.write(f"Restored {file}: {users} user account(s); the schema is this version's.")
        self.stdout.write(KEYS_REMINDER)
