from typing import Any

from notifications.models import Channel, default_events
from notifications.services import channel_create
from notifications.tests.receiver import Receiver
from teams.models import Team


def json_channel(
    team: Team, receiver: Receiver, *, name: str = "hooks", events: list | None = None, by: Any = None
) -> Channel:
    """A generic JSON webhook channel that posts to the local receiver."""
    return channel_create(
        team=team,
        by=by,
        name=name,
        url=f"json://127.0.0.1:{receiver.port}/hook/secret-token-{name}",
        events=default_events() if events is None else events,
    )
