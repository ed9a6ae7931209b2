"""A delivery being processed: what every handler and the board automation receive."""

from dataclasses import dataclass, field

from integrations.models import Repository, WebhookDelivery


@dataclass
class Received:
    """A delivery being processed, with its parsed payload and the repository it concerns."""

    delivery: WebhookDelivery
    payload: dict
    repository: Repository
    notes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return str(self.payload.get("action") or "")
