"""Connect a GitHub repository to a team: `manage.py github_connect --team T --repo OWNER/NAME --token TOKEN`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.github.connections import ConnectError, repository_connect
from integrations.models import DEFAULT_API_URL
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Connect a GitHub repository to a team (credentials stored encrypted), schedule its sync, and print "
        "the webhook URL and secret to paste into GitHub."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--repo", required=True, help="OWNER/NAME of the repository.")
        parser.add_argument("--token", default="", help="A personal access token (or use the --app-* options).")
        parser.add_argument("--app-id", default="", help="GitHub App id (instead of --token).")
        parser.add_argument("--app-key-file", default="", help="Path to the GitHub App's private key (PEM).")
        parser.add_argument("--installation-id", default="", help="The App's installation id on the repository.")
        parser.add_argument("--webhook-secret", default="", help="Webhook secret; one is generated when not given.")
        parser.add_argument("--api-url", default=DEFAULT_API_URL, help="GitHub Enterprise Server or test server URL.")
        parser.add_argument("--interval", type=int, default=15, help="Minutes between scheduled syncs (default 15).")
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL,
            help="Where GitHub reaches this site, for the printed webhook URL.",
        )

    def handle(self, *args, **options):
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with slug '{options['team']}'.")
        private_key = ""
        if options["app_key_file"]:
            try:
                with open(options["app_key_file"]) as key_file:
                    private_key = key_file.read()
            except OSError as error:
                raise CommandError(f"Cannot read the App's private key: {error.strerror}.") from None
        if options["interval"] < 1:
            raise CommandError("--interval must be at least 1 minute.")
        try:
            repository, connection = repository_connect(
                team=team,
                full_name=options["repo"],
                token=options["token"],
                app_id=options["app_id"],
                private_key=private_key,
                installation_id=options["installation_id"],
                api_url=options["api_url"],
                webhook_secret=options["webhook_secret"],
                sync_interval_minutes=options["interval"],
            )
        except ConnectError as error:
            raise CommandError(str(error)) from None
        site = options["site_url"].rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"Connected {repository.full_name} to team {team.slug}."))
        self.stdout.write(f"Sync every {repository.sync_interval_minutes} minutes; a first sync is queued.")
        self.stdout.write("Add a webhook in GitHub (Settings > Webhooks), content type application/json:")
        self.stdout.write(f"  Payload URL: {site}{connection.webhook_path()}")
        self.stdout.write(f"  Secret:      {connection.webhook_secret}")
