"""Card annotations: what another app knows about cards (a linked pull request, its CI state), shown on them.

kanban imports no other app, so an app that knows something about cards registers a provider
here from its `AppConfig.ready()`. A provider is called once per render with every card shown
(a whole board page, a column, one card) and their team, to scope its own rows by
(`Model.objects.for_team(team)`), and must answer in a constant number of queries,
whatever the number of cards: the board page's query count is asserted with providers included.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kanban.models import Card
from teams.models import Team

# How an annotation's status looks; the words always say it too (colour is never the only signal).
TONES = ("success", "danger", "warning", "")


@dataclass(frozen=True)
class Annotation:
    """One line about a card: `text` (linked to `url` when given) and an optional `status` badge."""

    text: str
    url: str = ""
    status: str = ""
    tone: str = ""  # one of TONES: the badge's colour, beside its words
    kind: str = ""  # who said it, e.g. "pull_request", for tests and styles


Provider = Callable[[Sequence[Card], Team], dict[int, list[Annotation]]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (once; registering twice, as a reloaded AppConfig may, changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def providers() -> tuple[Provider, ...]:
    return tuple(_providers)


def cards_annotate(cards: Iterable[Card], *, team: Team) -> list[Card]:
    """Give each card (all of `team`) an `annotations` list from every provider; return the cards as a list."""
    cards = list(cards)
    for card in cards:
        card.annotations = []
    if not cards:
        return cards
    by_id = {card.pk: card for card in cards}
    for provider in _providers:
        for card_id, notes in provider(cards, team).items():
            if card_id in by_id:
                by_id[card_id].annotations.extend(notes)
    return cards
