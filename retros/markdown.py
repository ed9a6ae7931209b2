"""The summary of a retro as Markdown: what a team pastes into its wiki."""

from core.markdown import markdown_document
from retros import queries
from retros.models import Group, Retro


def summary_markdown(retro: Retro) -> str:
    """The retro's record: safety distribution (minimum kept), groups by votes, notes, actions."""
    context = {
        "retro": retro,
        "distribution": queries.safety_distribution(retro),
        "actions": queries.actions_of(retro),
    }
    if retro.notes_revealed:
        by_group: dict = {}
        for note in retro.notes.filter(hidden=False):
            by_group.setdefault(note.group_id, []).append(note)
        groups = Group.objects.filter(retro=retro).order_by("-votes", "position", "id")
        context["groups"] = [(group, by_group.get(group.pk, [])) for group in groups]
        context["loose"] = by_group.get(None, [])
    return markdown_document("retros/summary.md", context)
