from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import KEYS_REMINDER, BackupError, database_backup


class Command(BaseCommand):
    help = "Back up the database to a file (pg_dump custom format, or SQLite's online backup)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="var/backups", help="A file, or a folder to write one into.")

    def handle(self, *args, output: str, **options):
        try:
            written = database_backup(settings.DATABASES["default"], Path(output))
        except BackupError as error:
            raise CommandError(str(error))
        self.stdout.write(f"Backed up to {written} ({written.stat().st_size:,} bytes).")
        self.stdout.write(KEYS_REMINDER)
