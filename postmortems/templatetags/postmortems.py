from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from kanban.services import markdown_render
from postmortems.export import duration_text

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered and sanitised like card descriptions."""
    return mark_safe(markdown_render(text or ""))  # noqa: S308 - nh3 has sanitised it


@register.filter
def duration(seconds) -> str:
    return duration_text(seconds)


@register.filter
def gap(delta) -> str:
    return duration_text(int(delta.total_seconds())) if delta else ""


@register.filter
def snippet(text: str) -> str:
    """A search snippet: the text escaped, only our own highlight markers turned into <mark>."""
    if not text:
        return ""
    # Escaped first; only the control characters PostgreSQL put around matches become tags.
    return mark_safe(escape(text).replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308
