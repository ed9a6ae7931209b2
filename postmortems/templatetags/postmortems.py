import re
from datetime import timedelta

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.markdown import markdown_render
from integrations.models import Deployment
from postmortems.attribution import deployment_label as label_of_deployment
from postmortems.export import duration_text

register = template.Library()


@register.filter
def deployment_label(deployment: Deployment) -> str:
    return label_of_deployment(deployment)


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered and sanitised like card descriptions."""
    return mark_safe(markdown_render(text or ""))  # noqa: S308 - nh3 has sanitised it


@register.filter
def duration(seconds: int | None) -> str:
    return duration_text(seconds)


@register.filter
def gap(delta: timedelta | None) -> str:
    return duration_text(int(delta.total_seconds())) if delta else ""


@register.filter
def snippet(text: str, query: str = "") -> str:
    """A search snippet, escaped, with the matches in <mark>.

    PostgreSQL's ts_headline marks matches with \x02...\x03; the SQLite fallback hands over the whole
    text, which is cut around the first query word and highlighted here.
    """
    if not text:
        return ""
    if "\x02" not in text:
        text = _mark_words(text, query.split())
    # Escaped first; only the control characters around matches become tags.
    return mark_safe(escape(text).replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308


def _mark_words(text: str, words: list[str]) -> str:
    pattern = re.compile("|".join(re.escape(word) for word in words if word), re.IGNORECASE) if words else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - 80) if first else 0
    window = ("…" if start else "") + text[start : start + 240] + ("…" if len(text) > start + 240 else "")
    return pattern.sub(lambda m: f"\x02{m.group(0)}\x03", window) if pattern else window
