"""How raw values read on a page: machine words as words, commit SHAs short and linked.

Templates use them as filters (`{% load display %}`); views that build table cells call them directly.
Dates go through Django's `date` filter and the project's formats (`devopsboard/formats/`), not here.
"""

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString

SHA = re.compile(r"[0-9a-f]{40}")
GITHUB = "https://github.com"


def words(value) -> str:
    """`changes_requested` → `changes requested`: a stored state as a person says it."""
    return "" if value is None else str(value).replace("_", " ")


def commit_link(sha, repository: str = "") -> str | SafeString:
    """A commit as its first seven characters, linked to it when the repository is known.

    `repository` is its web address (GitHub Enterprise included) or OWNER/NAME on github.com.
    The full SHA stays in the title, for copying.
    """
    sha = str(sha or "")
    if not SHA.fullmatch(sha):
        return sha
    short = format_html('<code title="{}">{}</code>', sha, sha[:7])
    if not repository:
        return short
    base = repository.rstrip("/") if repository.startswith(("https://", "http://")) else f"{GITHUB}/{repository}"
    return format_html('<a href="{}/commit/{}">{}</a>', base, sha, short)
