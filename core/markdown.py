"""Markdown both ways: text people write, rendered to safe HTML; and the Markdown documents the apps export."""

import re
import xml.etree.ElementTree as etree
from collections.abc import Collection

import markdown as markdown_lib
import nh3
from django.template.loader import render_to_string
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from core.mentions import MENTION


class _Mentions(InlineProcessor):
    """`@name` of a known member as `<span class="mention">` (not in code: backticks are handled first)."""

    def __init__(self, names: set[str]):
        super().__init__(MENTION.pattern)
        self.names = names

    def handleMatch(self, m, data):
        name = m.group(1).rstrip(".-+")
        if name.lower() not in self.names:
            return None, None, None
        element = etree.Element("span", {"class": "mention"})
        element.text = AtomicString(f"@{name}")
        return element, m.start(0), m.start(0) + 1 + len(name)


class _MentionExtension(Extension):
    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names

    def extendMarkdown(self, md):
        md.inlinePatterns.register(_Mentions(self.names), "mention", 100)


def markdown_render(text: str, *, mentions: Collection[str] = ()) -> str:
    """Render Markdown to HTML that is safe to show (nh3 drops scripts, handlers and styles).

    `mentions`: usernames (lower-case) whose `@name` is marked as a mention; other `@words` stay text.
    """
    if not text.strip():
        return ""
    extensions: list = ["fenced_code", "tables", "sane_lists"]
    if mentions:
        extensions.append(_MentionExtension({name.lower() for name in mentions}))
    html = markdown_lib.markdown(text, extensions=extensions)
    return nh3.clean(html, allowed_classes={"span": {"mention"}})


def markdown_document(template_name: str, context: dict) -> str:
    """Render a Markdown export from its template under `templates/` (`<app>/<name>.md`).

    Every export escapes the way pages do, by Django's autoescaping: raw HTML in a field comes out as text
    (`<script>` as `&lt;script&gt;`, which a Markdown reader shows as typed, never runs). Within table rows
    and list items, the `md_line` filter (`{% load markdown_export %}`) keeps a value on one line and its
    `|` out of the table's columns. Runs of blank lines left by template tags are closed up.
    """
    text = render_to_string(template_name, context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
