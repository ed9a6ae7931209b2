"""A board card made from a postmortem's action item says so, with the postmortem's title as a link."""

from collections.abc import Sequence

from django.urls import reverse

from kanban.annotations import Annotation
from kanban.models import Card, SourceKind
from postmortems.models import ActionItem
from teams.models import Team


def postmortem_action_annotations(cards: Sequence[Card], team: Team) -> dict[int, list[Annotation]]:
    """ "From postmortem <title>" on each action item's card; no query when no card shown came from one."""
    ids = [card.pk for card in cards if card.source_kind == SourceKind.POSTMORTEM_ACTION]
    if not ids:
        return {}
    rows = (
        ActionItem.objects.for_team(team)
        .filter(card_id__in=ids)
        .values_list("card_id", "pk", "postmortem_id", "postmortem__title")
    )
    return {
        card_id: [
            Annotation(
                text=f"From postmortem {title}",
                url=reverse("postmortems:detail", kwargs={"team": team.slug, "pm_id": pm_id}) + f"#action-{item_id}",
                kind="postmortem_action",
            )
        ]
        for card_id, item_id, pm_id, title in rows
    }
