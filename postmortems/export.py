"""A postmortem as Markdown (the export) and the durations people read."""

from collections.abc import Iterable
from datetime import datetime

from core.markdown import markdown_document
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


def postmortem_markdown(
    *, postmortem: Postmortem, timeline: Iterable[TimelineEntry], action_items: Iterable[ActionItem]
) -> str:
    """The whole postmortem as one Markdown document (`templates/postmortems/export.md`)."""
    p = postmortem
    sections = [
        ("Summary", p.summary),
        ("Impact", p.impact),
        ("Trigger", p.trigger),
        ("Detection", p.detection),
        ("Resolution", p.resolution),
        *p.custom_sections.items(),
    ]
    context = {
        "p": p,
        "tags": p.tag_names(),
        "times": [
            *(_when(at) for at in (p.started_at, p.detected_at, p.mitigated_at, p.resolved_at)),
            duration_text(p.time_to_detect),
            duration_text(p.time_to_restore),
        ],
        "sections": [(title, text.strip()) for title, text in sections],
        "timeline": [(entry, _when(entry.at)) for entry in timeline],
        "action_items": action_items,
    }
    return markdown_document("postmortems/export.md", context)
