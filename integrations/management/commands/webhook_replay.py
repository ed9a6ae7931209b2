"""Process stored GitHub webhook deliveries again: `manage.py webhook_replay --status failed`."""

from django.core.management.base import BaseCommand, CommandError

from integrations.models import WebhookDelivery
from integrations.webhooks import services as webhook_services


class Command(BaseCommand):
    help = (
        "Replay stored GitHub webhook deliveries from their raw payloads (safe: rows are upserts). "
        "Processes them here, in the foreground, and prints each outcome; --enqueue hands them to the workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("guids", nargs="*", help="X-GitHub-Delivery GUIDs to replay")
        parser.add_argument("--team", help="only deliveries of this team (slug)")
        parser.add_argument("--status", choices=WebhookDelivery.Status.values, help="only deliveries in this state")
        parser.add_argument("--event", help="only this event, e.g. pull_request")
        parser.add_argument("--all", action="store_true", help="replay every stored delivery matching the filters")
        parser.add_argument("--enqueue", action="store_true", help="queue them for the workers instead")

    def handle(self, *args, guids, team, status, event, all, enqueue, **options):
        if not (guids or status or event or all):
            raise CommandError("Name GUIDs, or select deliveries with --status/--event, or pass --all.")
        deliveries = WebhookDelivery.objects.select_related("team").defer("body").order_by("received_at", "id")
        if guids:
            deliveries = deliveries.filter(guid__in=guids)
        if team:
            deliveries = deliveries.filter(team__slug=team)
        if status:
            deliveries = deliveries.filter(status=status)
        if event:
            deliveries = deliveries.filter(event=event)
        chosen = list(deliveries)
        missing = set(guids) - {d.guid for d in chosen}
        if missing:
            raise CommandError(f"No stored delivery with GUID {', '.join(sorted(missing))}.")
        if not chosen:
            self.stdout.write("No delivery matches; nothing replayed.")
            return
        outcomes: dict[str, int] = {}
        for delivery in chosen:
            try:
                webhook_services.delivery_replay(delivery=delivery, by=None)
            except webhook_services.ReplayError as error:
                self.stderr.write(f"{delivery.guid} {delivery.event}: {error}")
                outcomes["not replayable"] = outcomes.get("not replayable", 0) + 1
                continue
            if enqueue:
                outcome = "queued"
            else:
                outcome = webhook_services.delivery_process(delivery_id=delivery.pk).outcome
                delivery.refresh_from_db(fields=["error"])
                note = f" ({delivery.error})" if delivery.error else ""
                self.stdout.write(f"{delivery.guid} {delivery.event}.{delivery.action or '-'}: {outcome}{note}")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        self.stdout.write(self.style.SUCCESS(f"Replayed {len(chosen)} deliveries: {summary}."))
        if outcomes.get("not replayable") == len(chosen):
            raise CommandError("None of the deliveries could be replayed.")
