"""Card positions: sort keys with gaps, so placing a card writes one row whatever the column's length.

A card goes halfway between its new neighbours' keys (`POSITION_GAP` apart when spread out).
Only when two neighbours have no integer left between them is the column renumbered, which
takes about ten drops into the same gap. The callers (kanban.services) hold the column's
row lock while they read and write keys.
"""

from kanban.models import Card, Column

# Room between neighbouring cards: about ten halvings before a column has to be renumbered.
POSITION_GAP = 1024


def _between(low: int | None, high: int | None) -> int | None:
    """A sort key between two neighbours (None: no neighbour on that side); None when none is left."""
    if low is None and high is None:
        return 0
    if low is None:
        return high - POSITION_GAP
    if high is None:
        return low + POSITION_GAP
    return (low + high) // 2 if high - low >= 2 else None


def _neighbours(cards, *, index: int | None, after_id=None, before_id=None) -> tuple[int | None, int | None]:
    """The sort keys around a new place among `cards` (a column's open cards, the moving one excluded).

    A card dropped next to `after_id`/`before_id` goes there when that card is still in the
    column (so a move made on a stale view lands where the person dropped it); otherwise at
    `index` (0 = top, None = bottom). One or two indexed reads, whatever the column's length.
    """
    ordered = cards.order_by("position", "id").values_list("position", flat=True)
    named = cards.filter(pk__in=[a for a in (after_id, before_id) if a]).order_by()
    anchors = dict(named.values_list("pk", "position"))
    low, high = anchors.get(after_id), anchors.get(before_id)
    if low is not None and high is not None and low < high:
        return low, high
    if low is not None:
        return low, ordered.filter(position__gt=low).first()
    if high is not None:
        return cards.filter(position__lt=high).order_by("-position").values_list("position", flat=True).first(), high
    if index is None:
        return cards.order_by("-position").values_list("position", flat=True).first(), None
    around = list(ordered[max(index - 1, 0) : index + 1])
    if index == 0:
        return None, (around[0] if around else None)
    if not around:
        return cards.order_by("-position").values_list("position", flat=True).first(), None
    return around[0], (around[1] if len(around) > 1 else None)


def _renumber(column: Column) -> None:
    """Spread a column's open cards `POSITION_GAP` apart again, keeping their order."""
    cards = list(Card.objects.open().filter(column=column).order_by("position", "id").only("pk", "position"))
    for number, card in enumerate(cards):
        card.position = number * POSITION_GAP
    Card.objects.bulk_update(cards, ["position"], batch_size=1000)


def free_position(column: Column, *, index: int | None, exclude_pk=None, after_id=None, before_id=None):
    """(low, high, key): the neighbours of the new place and a free key between them."""
    cards = Card.objects.open().filter(column=column)
    if exclude_pk is not None:
        cards = cards.exclude(pk=exclude_pk)
    for _ in range(2):
        low, high = _neighbours(cards, index=index, after_id=after_id, before_id=before_id)
        key = _between(low, high)
        if key is not None:
            return low, high, key
        _renumber(column)
    raise RuntimeError(f"column {column.pk}: no free sort key even after renumbering")
