"""A person's profile: the time zone their pages are shown in, and the avatar beside their name."""

import functools
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError
from django.utils import timezone

from teams.models import Profile
from teams.names import display_name

# The session remembers [user id, zone] so that a request reads no table to know it ("" is the instance's zone).
TIME_ZONE_SESSION_KEY = "profile_time_zone"


def time_zone_of(user_id) -> str:
    """The zone the user chose, or "" for the instance's TIME_ZONE."""
    return Profile.objects.filter(user_id=user_id).values_list("time_zone", flat=True).first() or ""


def remember_time_zone(session, *, user_id, zone: str) -> None:
    """Make `zone` the one this session's pages are shown in."""
    session[TIME_ZONE_SESSION_KEY] = [str(user_id), zone]


def remember_time_zone_at_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: the session starts with the zone, so no page of it reads the profile or saves the session
    for it (sessions from before a deploy are looked up once by the middleware)."""
    if request is not None and hasattr(request, "session"):
        remember_time_zone(request.session, user_id=user.pk, zone=time_zone_of(user.pk))


@functools.cache
def _known_zone(zone: str) -> bool:
    """Whether the running Python knows `zone` (reading the zone database once per zone and process)."""
    return zone in zoneinfo.available_timezones()


def viewer_time_zone(request) -> str:
    """The zone the request's viewer sees dates in ("" for TIME_ZONE), from the session (looked up once if not)."""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return ""
    remembered = session.get(TIME_ZONE_SESSION_KEY)
    if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == str(user_id):
        zone = remembered[1]
    else:
        try:
            zone = time_zone_of(user_id)
        except DatabaseError:
            return ""  # the database is down: the view that needs it answers the outage (core/outages.py)
        remember_time_zone(session, user_id=user_id, zone=zone)
    # A zone the running Python no longer knows (tzdata changed) falls back to the instance's.
    return zone if zone and _known_zone(zone) else ""


def time_zone_activate(request) -> None:
    """Show the rest of the request's dates in the viewer's time zone (their profile's, else TIME_ZONE)."""
    zone = viewer_time_zone(request)
    if zone:
        timezone.activate(zoneinfo.ZoneInfo(zone))
    else:
        timezone.deactivate()


class TimeZoneMiddleware:
    """Show every date of the request in the viewer's time zone (their profile's, else TIME_ZONE).

    The zone is kept in the session from login on. A live poll (`core.live.live_poll`) is left alone here, like
    the other middlewares leave it: an unchanged one is a single cache read; its full render activates the zone
    itself (`time_zone_activate`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "live_poll", False):
            time_zone_activate(request)


@dataclass(frozen=True)
class Avatar:
    """A picture URL (GitHub's, from an origin the CSP allows) or None, and the initials shown without one."""

    url: str | None
    initials: str
    name: str


def initials(name: str) -> str:
    words = [word for word in name.replace("_", " ").replace(".", " ").split() if word]
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return name[:2].upper() or "?"


def _allowed_picture(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and f"{parts.scheme}://{parts.netloc}" in settings.AVATAR_ORIGINS


def avatar(user) -> Avatar:
    """The user's GitHub avatar when their account is linked to GitHub, else their initials."""
    name = display_name(user)
    account = SocialAccount.objects.filter(user=user, provider="github").order_by("pk").first()
    url = str((account.extra_data or {}).get("avatar_url") or "") if account is not None else ""
    return Avatar(url=url if url and _allowed_picture(url) else None, initials=initials(name), name=name)
