"""Teams in the API."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.fields import empty

from core.api import ApiModelSerializer, StrictCharField, error_responses
from teams.access import team_members
from teams.models import Role, Team
from teams.services import team_create


class TeamMemberField(serializers.SlugRelatedField):
    """A member of the serializer's team, by username; anyone else is refused like a missing one."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)

    def run_validation(self, data=empty):
        # DRF reads "" as null for a relation; the schema says a username is not empty, so "" is refused.
        if data == "":
            raise serializers.ValidationError("A member's username, or null.")
        return super().run_validation(data)

    def get_queryset(self):
        team = self.context.get("team")
        return team_members(team) if team else get_user_model().objects.none()


class TeamSerializer(ApiModelSerializer):
    role = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    name = StrictCharField(max_length=100)

    class Meta:
        model = Team
        fields = ["id", "slug", "name", "role", "html_url"]
        read_only_fields = ["id", "slug", "role", "html_url"]

    def get_role(self, team) -> str:
        return getattr(team, "caller_role", Role.OWNER)

    def get_html_url(self, team) -> str:
        return self.context["request"].build_absolute_uri(team.get_absolute_url())


@extend_schema_view(
    list=extend_schema(
        summary="List the teams you belong to",
        responses={200: TeamSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    create=extend_schema(
        summary="Create a team; you become its owner",
        responses={201: TeamSerializer, **error_responses(400, 401, 403)},
    ),
)
class TeamViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer

    def get_queryset(self):
        from django.db.models import F

        return Team.objects.for_user(self.request.user).annotate(caller_role=F("memberships__role")).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = team_create(name=serializer.validated_data["name"], by=self.request.user)
