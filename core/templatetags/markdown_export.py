"""Filters for the Markdown exports (`templates/**.md`, rendered by `core.markdown.markdown_document`)."""

from django import template

register = template.Library()


@register.filter
def md_line(value) -> str:
    """The value on one line, its `|` escaped, so it fits a table cell or a list item.

    The result is not marked safe: autoescaping still applies after it.
    """
    return " ".join(str(value).split()).replace("|", "\\|")
