"""Ask GitHub for webhook deliveries that failed on our side and request their redelivery."""

from django.core.management.base import BaseCommand, CommandError

from integrations.github.client import GitHubError
from integrations.models import Connection
from integrations.webhooks.reconcile import connection_reconcile


class Command(BaseCommand):
    help = (
        "For each connection whose GitHub hook is known, list the hook's deliveries of the last 3 days "
        "and request redelivery of those that never reached us (e.g. while the database was down)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", help="only connections of this team (slug)")
        parser.add_argument("--connection", type=int, help="only this connection id")
        parser.add_argument(
            "--hook-id", type=int, help="set the connection's GitHub hook id first (needs --connection)"
        )

    def handle(self, *args, team, connection, hook_id, **options):
        connections = Connection.objects.select_related("team").order_by("pk")
        if team:
            connections = connections.filter(team__slug=team)
        if connection:
            connections = connections.filter(pk=connection)
        if hook_id:
            if not connection:
                raise CommandError("--hook-id needs --connection.")
            connections.update(webhook_hook_id=hook_id)
        chosen = list(connections)
        if not chosen:
            raise CommandError("No such connection.")
        failures = 0
        for item in chosen:
            try:
                result = connection_reconcile(connection=item)
            except GitHubError as error:
                self.stderr.write(f"{item} ({item.team.slug}): {error.message}")
                failures += 1
                continue
            if not result.hooks:
                self.stdout.write(f"{item} ({item.team.slug}): hook not known yet (no delivery received); skipped.")
                continue
            self.stdout.write(
                f"{item} ({item.team.slug}): {result.hooks} hook(s), {result.failed} failed deliveries not stored, "
                f"{result.redelivered} redelivery requested."
            )
            for problem in result.errors:
                self.stderr.write(f"  {problem}")
                failures += 1
        if failures:
            raise CommandError(f"{failures} connection(s) or hook(s) could not be reconciled; see above.")
