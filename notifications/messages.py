"""The words of each event's message, from the context its emitter gave (ids, short text, a path)."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.events import Event


@dataclass(frozen=True)
class Message:
    title: str
    body: str


class _Blank(dict):
    """format_map's mapping: a key the emitter did not give reads as empty rather than failing the send."""

    def __missing__(self, key: str) -> str:
        return ""


# (title, body) per event; `{link}` is the absolute URL of the emitter's `path`.
TEMPLATES: dict[str, tuple[str, str]] = {
    Event.INCIDENT_OPENED: (
        "Incident opened ({severity}): {title}",
        "Alertmanager opened an incident: {title}. Severity {severity}. On the postmortem: {people}.\n{link}",
    ),
    Event.POSTMORTEM_REVIEW_REQUESTED: (
        "Postmortem waiting for review: {title}",
        "{by} asks {people} to review the postmortem “{title}”.\n{link}",
    ),
    Event.POSTMORTEM_PUBLISHED: (
        "Postmortem published: {title}",
        "{by} published the postmortem “{title}” ({severity}).\n{link}",
    ),
    Event.ACTION_ITEM_DUE_SOON: (
        "Action item due on {due_date}: {description}",
        "{owner}, the action item “{description}” from “{title}” is due on {due_date}.\n{link}",
    ),
    Event.ACTION_ITEM_OVERDUE: (
        "Action item overdue: {description}",
        "{owner}, the action item “{description}” from “{title}” was due on {due_date}.\n{link}",
    ),
    Event.RETRO_STARTED: (
        "Retro starting: {title}",
        "The retro “{title}” is starting, facilitated by {facilitator}. Join it here:\n{link}",
    ),
    Event.RETRO_CLOSED: (
        "Retro summary: {title}",
        "The retro “{title}” is closed.\n{summary}\n{link}",
    ),
    Event.SYNC_FAILING: (
        "GitHub sync failing: {repository}",
        "The sync of {repository} has been failing since {since}: {error}\n{link}",
    ),
    Event.WIP_LIMIT_HIT: (
        "WIP limit hit on {board}: {column}",
        "The column “{column}” of {board} is at its hard limit of {limit}; {by} could not add “{card}”.\n{link}",
    ),
    Event.DIGEST_WEEKLY: ("{title}", "{summary}\n{link}"),
    Event.CARD_CREATED: ("Card created on {board}: {card}", "{by} added “{card}” to {column}.\n{link}"),
    Event.MENTIONED: ("{by} mentioned {people} in {where}", "“{excerpt}”\n{link}"),
}

TEST_MESSAGE = Message(
    title="Test message from devopsboard",
    body="If you can read this, the channel “{name}” of {team} works.",
)


def message_render(*, event: str, team_name: str, context: dict[str, Any]) -> Message:
    """The message for `event`; `context["path"]` becomes an absolute link."""
    title, body = TEMPLATES[event]
    path = str(context.get("path", ""))
    values = _Blank({**context, "team": team_name, "link": f"{settings.SITE_URL}{path}" if path else ""})
    return Message(title=title.format_map(values)[:200], body=body.format_map(values).strip())
