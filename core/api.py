"""The API scaffolding every app builds on: strict fields, the error shape, team-scoped viewsets.

The team behind `/api/v1/teams/<team>/...` is resolved by the function named in the `TEAM_MEMBERSHIP_LOOKUP`
setting (the project wires `teams.access.get_membership_or_404`): core imports no app of ours.
"""

from typing import cast

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.module_loading import import_string
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets

from core.querysets import TeamScopedQuerySet
from core.serializers import ReadOnlyRefusedMixin


class ApiErrorSerializer(serializers.Serializer):
    """Every API error: a human-readable `detail`, and per-field message lists for invalid input."""

    detail = serializers.CharField()


# What Python's str.strip() removes (DRF trims text before checking it is not blank), as regex escapes
# that mean the same in Python, ECMAScript and Rust: the schema's pattern must agree with the server.
WHITESPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's turns 0 into "0") without NUL, as the schema says.

    Its pattern (in the schema) also says what "blank" means: unless blank is allowed, the text must
    hold a character that is not whitespace, since surrounding whitespace is trimmed.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.read_only:
            return
        # Documents, as the field's pattern, what the JSON parser already refuses.
        blank_refused = self.trim_whitespace and not self.allow_blank
        pattern, message = (
            (NOT_BLANK, "Text must not be blank or contain NUL characters.")
            if blank_refused
            else (NO_NUL, "Text must not contain NUL characters.")
        )
        self.validators.append(RegexValidator(pattern, message))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A BooleanField that takes only JSON true and false (DRF's also takes 0, 1, "yes"...), as the schema says."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ApiModelSerializer(ReadOnlyRefusedMixin, serializers.ModelSerializer):
    """A ModelSerializer whose text fields are StrictCharFields: what the schema says of them is true."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
    }


ERROR_MEANINGS = {
    400: "Invalid input: `detail`, and a list of messages under each field's name.",
    401: "No credentials, or a bad or expired token (`WWW-Authenticate: Token`).",
    403: "Signed in, but not allowed to do this.",
    404: "No such object among yours, or a page number past the end.",
    409: "Refused by a rule of the current state; `detail` says which.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation, all in the one JSON error shape."""
    return {code: OpenApiResponse(ApiErrorSerializer, description=ERROR_MEANINGS[code]) for code in statuses}


class TeamRolePermission(permissions.BasePermission):
    """Viewers read; members write; `owner_actions` need the owner role."""

    def has_permission(self, request, view):
        membership = view.membership
        if request.method in permissions.SAFE_METHODS:
            return True
        needed = view.owner_role if getattr(view, "action", None) in view.owner_actions else view.write_role
        return membership.has_role(needed)


TEAM_PARAMETER = OpenApiParameter("team", str, OpenApiParameter.PATH, description="The team's slug.")


@extend_schema(parameters=[TEAM_PARAMETER])
class TeamScopedViewSet(viewsets.GenericViewSet):
    """Base for `/api/v1/teams/<team>/...`: resolves the team (404 for non-members) and scopes queries.

    Subclasses set `queryset` (or override `get_team_queryset`); its QuerySet's `for_team(team)`
    scopes it. Writes need the member role; the actions named in `owner_actions` need owner.
    """

    owner_actions: tuple[str, ...] = ()
    write_role = "member"
    owner_role = "owner"
    permission_classes = [permissions.IsAuthenticated, TeamRolePermission]

    def initial(self, request, *args, **kwargs):
        # Authentication runs in super().initial(); resolve the team right after it,
        # before permissions, so a non-member gets 404 whatever the method.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        self.perform_authentication(request)
        if request.user.is_authenticated:
            lookup = import_string(settings.TEAM_MEMBERSHIP_LOOKUP)
            self.membership = lookup(request.user, kwargs["team"])
            self.team = self.membership.team
        super().initial(request, *args, **kwargs)

    def get_team_queryset(self) -> TeamScopedQuerySet:
        """The view's `queryset`, fresh for this request (GenericAPIView's own re-evaluation)."""
        return cast(TeamScopedQuerySet, super().get_queryset())

    def get_queryset(self):
        return self.get_team_queryset().for_team(self.team)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "team": getattr(self, "team", None)}
