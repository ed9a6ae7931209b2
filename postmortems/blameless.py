"""Blameless writing hints: find phrases that blame a person, and suggest describing the system instead.

Advisory only: nothing here blocks a save. The phrase list is per team (PostmortemSettings.blame_phrases).
"""

import re
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString

FAILURE_VERBS = r"(?:forgot|failed|broke|missed|ignored|didn't|did not|deleted|pushed|skipped|messed up)"
SUGGESTION = "Describe the condition that allowed it (missing check, unclear runbook, risky default), not who."


@dataclass(frozen=True)
class Hint:
    phrase: str
    excerpt: SafeString  # escaped text with the phrase in <mark>
    suggestion: str = SUGGESTION


def _excerpt(text: str, start: int, end: int) -> SafeString:
    left, right = max(0, start - 40), min(len(text), end + 40)
    return format_html(
        "{}{}<mark>{}</mark>{}{}",
        "…" if left else "",
        text[left:start],
        text[start:end],
        text[end:right],
        "…" if right < len(text) else "",
    )


def blame_hints(*, text: str, phrases: list[str], names: list[str]) -> list[Hint]:
    """Every blaming phrase in `text`: listed phrases, and a member's name as the subject of a failure."""
    patterns = [re.escape(phrase.strip()) for phrase in phrases if phrase.strip()]
    patterns += [rf"{re.escape(name)}\s+{FAILURE_VERBS}" for name in names if name.strip()]
    if not patterns or not text:
        return []
    hints = []
    for match in re.finditer(r"\b(?:" + "|".join(patterns) + r")\b", text, flags=re.IGNORECASE):
        hints.append(Hint(phrase=match.group(0), excerpt=_excerpt(text, match.start(), match.end())))
        if len(hints) >= 20:
            break
    return hints
