"""DRF's `drf_create_token <user>`, issuing a hashed token: the key is printed once, as DRF prints it."""

import argparse

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tokens.services import token_create


class Command(BaseCommand):
    help = "Create a new API token for a user and print its key (it is stored only as a digest)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="drf_create_token", help="A label to tell the token apart.")
        # Accepted for compatibility with DRF's command: every run issues a new key anyway.
        parser.add_argument("-r", "--reset", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Cannot create the Token: user {username} does not exist")
        _, key = token_create(user=user, name=name)
        self.stdout.write(f"Generated token {key} for user {username}")
