from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from postmortems.alertmanager import alertmanager_token_create, alertmanager_token_get_or_create
from teams.models import Team


class Command(BaseCommand):
    help = "Print the Alertmanager intake URL and the team's bearer token (created once)."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--rotate", action="store_true", help="Replace the token; the old one stops working.")

    def handle(self, *args, team, rotate=False, **options):
        found = Team.objects.filter(slug=team).first()
        if found is None:
            raise CommandError(f"No team with slug {team!r}.")
        token = alertmanager_token_create(team=found) if rotate else alertmanager_token_get_or_create(team=found)
        url = settings.SITE_URL + reverse("alertmanager:webhook", kwargs={"team": found.slug})
        self.stdout.write(f"URL: {url}")
        self.stdout.write(f"Token: {token}")
        self.stdout.write(
            "Alertmanager receiver:\n"
            f"  webhook_configs:\n    - url: {url}\n      http_config:\n        authorization:\n"
            f"          credentials: {token}\n"
        )
