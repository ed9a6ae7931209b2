"""A postmortem as Markdown (the export) and the durations people read."""

from collections.abc import Iterable
from datetime import datetime

from postmortems.models import ActionItem, Postmortem, TimelineEntry


def duration_text(seconds: int | None) -> str:
    """“1 h 05 min” for people; “ongoing” while unknown."""
    if seconds is None:
        return "ongoing"
    minutes = seconds // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "—"


def _bullets(items: Iterable[object]) -> list[str]:
    return [f"- {item}" for item in items] or ["- —"]


def postmortem_markdown(
    *, postmortem: Postmortem, timeline: Iterable[TimelineEntry], action_items: Iterable[ActionItem]
) -> str:
    """The whole postmortem as one Markdown document."""
    p = postmortem
    lines = [
        f"# {p.title}",
        "",
        f"**Severity:** {p.severity} · **Status:** {p.get_status_display()} · "
        f"**Owner:** {p.owner.username if p.owner else '—'}",
        f"**Tags:** {', '.join(p.tag_names()) or '—'}",
        "",
        "| Started | Detected | Mitigated | Resolved | Time to detect | Time to restore |",
        "|---|---|---|---|---|---|",
        f"| {_when(p.started_at)} | {_when(p.detected_at)} | {_when(p.mitigated_at)} | {_when(p.resolved_at)} "
        f"| {duration_text(p.time_to_detect)} | {duration_text(p.time_to_restore)} |",
    ]
    for title, text in (
        ("Summary", p.summary),
        ("Impact", p.impact),
        ("Trigger", p.trigger),
        ("Detection", p.detection),
        ("Resolution", p.resolution),
    ):
        lines += ["", f"## {title}", "", text.strip() or "—"]
    for title, text in p.custom_sections.items():
        lines += ["", f"## {title}", "", text.strip() or "—"]
    lines += ["", "## Contributing factors", "", *_bullets(p.contributing_factors)]
    lines += ["", "## Lessons", "", "### What went well", "", *_bullets(p.went_well)]
    lines += ["", "### What went wrong", "", *_bullets(p.went_wrong)]
    lines += ["", "### Where we got lucky", "", *_bullets(p.got_lucky)]
    lines += ["", "## Timeline", ""]
    lines += [f"- **{_when(e.at)}** ({e.get_kind_display()}) {e.text}" for e in timeline] or ["- —"]
    lines += ["", "## Action items", "", "| Action | Owner | Due | Priority | Status |", "|---|---|---|---|---|"]
    for item in action_items:
        owner = item.owner.username if item.owner else "—"
        lines.append(f"| {item.description} | {owner} | {item.due_date or '—'} | {item.priority} | {item.status} |")
    if p.links:
        lines += ["", "## Links", "", *_bullets(p.links)]
    return "\n".join(lines) + "\n"
