"""Re-encrypt every stored secret with the newest FIELD_ENCRYPTION_KEY: `manage.py rotate_field_encryption`."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from core.fields import PREFIX, EncryptedTextField, encrypt, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt all encrypted fields with the first key of FIELD_ENCRYPTION_KEY (prepend a new key, run this, "
        "then drop the old key). Values stored unencrypted are encrypted."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            # Read the stored text as it is in the database, without decrypting it.
            raw = {f"raw_{f.name}": Cast(f.name, output_field=TextField()) for f in fields}
            with transaction.atomic():
                for row in model._base_manager.select_for_update().annotate(**raw).values("pk", *raw):
                    changes = {}
                    for f in fields:
                        stored = row[f"raw_{f.name}"]
                        if not stored:
                            continue
                        fresh = rotate(stored) if stored.startswith(PREFIX) else encrypt(stored)
                        changes[f.name] = Value(fresh, output_field=TextField())
                    if changes:
                        model._base_manager.filter(pk=row["pk"]).update(**changes)
                        total += len(changes)
            self.stdout.write(f"{model._meta.label}: {', '.join(f.name for f in fields)} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} secrets re-encrypted with the newest key."))
