"""Teams in the API."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from core.api import ApiModelSerializer, StrictCharField, error_responses
from teams.models import Role, Team
from teams.services import team_create


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
