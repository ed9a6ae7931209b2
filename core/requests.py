"""What a team page's request carries, and the small parsers views use on its query and form values."""

from typing import Protocol, overload

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class TeamLike(Protocol):
    """The team a page is about, as views read it (core imports no app: the shape, not the model)."""

    pk: int
    slug: str
    name: str


class MembershipLike(Protocol):
    """The caller's membership of that team."""

    role: str

    def has_role(self, role: str) -> bool: ...


class TeamRequest(HttpRequest):
    """For mypy only: the request `teams.access.team_view` passes on, from a logged-in member, htmx details set."""

    user: User
    htmx: HtmxDetails
    team: TeamLike
    membership: MembershipLike


@overload
def parse_int(value: object, default: None = None) -> int | None: ...
@overload
def parse_int(value: object, default: int) -> int: ...
def parse_int(value: object, default: int | None = None) -> int | None:
    """`value` (a query or form value) as an int, or `default` when it is missing or not a whole number."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return default
