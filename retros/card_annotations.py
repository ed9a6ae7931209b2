"""A board card made from a retro's action item says so, with the retro's title as a link."""

from collections.abc import Sequence

from django.urls import reverse

from kanban.annotations import Annotation
from kanban.models import Card, SourceKind
from retros.models import ActionItem
from teams.models import Team


def retro_action_annotations(cards: Sequence[Card], team: Team) -> dict[int, list[Annotation]]:
    """ "From retro <title>" on each action item's card; no query when no card shown came from one."""
    ids = [card.pk for card in cards if card.source_kind == SourceKind.RETRO_ACTION]
    if not ids:
        return {}
    rows = ActionItem.objects.for_team(team).filter(card_id__in=ids).values_list("card_id", "retro_id", "retro__title")
    return {
        card_id: [
            Annotation(
                text=f"From retro {title}",
                url=reverse("retros:retro", kwargs={"team": team.slug, "retro_id": retro_id}),
                kind="retro_action",
            )
        ]
        for card_id, retro_id, title in rows
    }
