"""The summary of a retro as Markdown: what a team pastes into its wiki."""

from retros import queries
from retros.models import Group, Retro


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def summary_markdown(retro: Retro) -> str:
    """The retro's record: safety distribution (minimum kept), groups by votes, notes, actions."""
    lines = [f"# {retro.title} — {retro.scheduled_for:%Y-%m-%d}", ""]
    lines.append(f"Format: {retro.get_format_display()}. Facilitator: {retro.facilitator.username}.")
    lines.append("")
    distribution = queries.safety_distribution(retro)
    lines.append("## Safety check")
    if distribution.counts is not None:
        lines.append(" | ".join(f"{value}: {count}" for value, count in distribution.counts))
    else:
        lines.append(
            f"{distribution.answers} answer(s): the distribution is shown from {distribution.minimum} answers on."
        )
    lines.append("")
    if retro.notes_revealed:
        lines.append("## Groups (by votes)")
        notes = retro.notes.filter(hidden=False)
        by_group: dict = {}
        for note in notes:
            by_group.setdefault(note.group_id, []).append(note)
        for group in Group.objects.filter(retro=retro).order_by("-votes", "position", "id"):
            lines.append(f"### {_escape(group.title)} ({group.votes} vote{'s' if group.votes != 1 else ''})")
            lines.extend(f"- {_escape(n.text)} _({_escape(n.prompt)})_" for n in by_group.get(group.pk, []))
            lines.append("")
        loose = by_group.get(None, [])
        if loose:
            lines.append("### Not grouped")
            lines.extend(f"- {_escape(n.text)} _({_escape(n.prompt)})_" for n in loose)
            lines.append("")
    lines.append("## Action items")
    actions = queries.actions_of(retro)
    if not actions:
        lines.append("None.")
    for action in actions:
        owner = f" — {action.owner.username}" if action.owner else ""
        due = f", due {action.due_date:%Y-%m-%d}" if action.due_date else ""
        lines.append(f"- [{'x' if action.live_status() == 'done' else ' '}] {_escape(action.text)}{owner}{due}")
    return "\n".join(lines) + "\n"
