"""Markdown both ways: text people write, rendered to safe HTML; and the Markdown documents the apps export."""

import re

import markdown as markdown_lib
import nh3
from django.template.loader import render_to_string


def markdown_render(text: str) -> str:
    """Render Markdown to HTML that is safe to show (nh3 drops scripts, handlers and styles)."""
    if not text.strip():
        return ""
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(html)


def markdown_document(template_name: str, context: dict) -> str:
    """Render a Markdown export from its template under `templates/` (`<app>/<name>.md`).

    Every export escapes the way pages do, by Django's autoescaping: raw HTML in a field comes out as text
    (`<script>` as `&lt;script&gt;`, which a Markdown reader shows as typed, never runs). Within table rows
    and list items, the `md_line` filter (`{% load markdown_export %}`) keeps a value on one line and its
    `|` out of the table's columns. Runs of blank lines left by template tags are closed up.
    """
    text = render_to_string(template_name, context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
