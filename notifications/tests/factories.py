from notifications.models import Channel, default_events
from notifications.services import channel_create


def json_channel(team, receiver, *, name: str = "hooks", events=None, by=None) -> Channel:
    """A generic JSON webhook channel that posts to the local receiver."""
    return channel_create(
        team=team,
        by=by,
        name=name,
        url=f"json://127.0.0.1:{receiver.port}/hook/secret-token-{name}",
        events=default_events() if events is None else events,
    )
