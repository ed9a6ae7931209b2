"""Postmortems under /api/v1/teams/<team>/postmortems/: serializers and a viewset calling the services."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from devopsboard.parsers import JSONParser
from integrations.models import Deployment
from kanban.models import Card
from postmortems.models import ActionItem, Postmortem, Severity, Status, Tag, TimelineEntry
from postmortems.services import postmortem_create, postmortem_search, postmortem_update
from teams.api import ApiErrorSerializer, ApiModelSerializer, StrictCharField, TeamScopedViewSet


class TimelineEntrySerializer(ApiModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "text"]


class ActionItemSerializer(ApiModelSerializer):
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="open or done; with a card, done when it is in a done column."
    )
    card: serializers.PrimaryKeyRelatedField[Card] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the item's card, or null."
    )

    class Meta:
        model = ActionItem
        fields = ["id", "description", "owner", "due_date", "priority", "status", "card"]


class TeamDeploymentField(serializers.PrimaryKeyRelatedField):
    """The id of one of the team's synced deployments; another team's is refused like a missing one."""

    def get_queryset(self):
        team = self.context.get("team")
        return Deployment.objects.for_team(team) if team else Deployment.objects.none()


class PostmortemSerializer(ApiModelSerializer):
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.SEV3)
    owner: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    tags = serializers.ListField(child=StrictCharField(max_length=50), required=False, source="tag_names")
    contributing_factors = serializers.ListField(child=StrictCharField(), required=False)
    custom_sections = serializers.DictField(
        child=StrictCharField(allow_blank=True),
        required=False,
        help_text="The team's own sections: title (up to 100 characters) → text.",
    )
    time_to_detect = serializers.IntegerField(read_only=True, allow_null=True, help_text="Seconds; null while unknown.")
    time_to_restore = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Seconds; null while unresolved."
    )
    caused_by_deployment = TeamDeploymentField(
        required=False,
        allow_null=True,
        help_text="Id of the deployment that caused the incident, or null. Left out when a postmortem gets its "
        "start, the last successful production deployment of the 24 hours before it is named.",
    )
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    markdown_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Postmortem
        fields = [
            "id",
            "title",
            "severity",
            "status",
            "owner",
            "started_at",
            "detected_at",
            "mitigated_at",
            "resolved_at",
            "caused_by_deployment",
            "time_to_detect",
            "time_to_restore",
            "summary",
            "impact",
            "trigger",
            "contributing_factors",
            "detection",
            "resolution",
            "custom_sections",
            "went_well",
            "went_wrong",
            "got_lucky",
            "tags",
            "links",
            "timeline",
            "action_items",
            "published_at",
            "markdown_url",
            "html_url",
        ]
        read_only_fields = ["id", "status", "published_at"]

    def _url(self, name: str, postmortem: Postmortem) -> str:
        url = reverse(name, kwargs={"team": self.context["team"].slug, "pm_id": postmortem.pk})
        return self.context["request"].build_absolute_uri(url)

    def get_markdown_url(self, postmortem: Postmortem) -> str:
        return self._url("postmortems:markdown", postmortem)

    def get_html_url(self, postmortem: Postmortem) -> str:
        return self._url("postmortems:detail", postmortem)

    def validate(self, attrs):
        for name in ("went_well", "went_wrong", "got_lucky", "links"):
            if name in attrs and not (
                isinstance(attrs[name], list) and all(isinstance(item, str) for item in attrs[name])
            ):
                raise ValidationError({name: "A list of strings."})
        return attrs


FILTERS = [
    OpenApiParameter("q", str, description="Full-text search over every field and the timeline."),
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("severity", str, enum=Severity.values),
    OpenApiParameter("tag", str, description="A tag name."),
]
ERRORS = {
    400: ApiErrorSerializer,
    403: OpenApiResponse(ApiErrorSerializer, description="Viewers cannot write."),
    404: OpenApiResponse(ApiErrorSerializer, description="No such team or postmortem (or not a member)."),
    409: OpenApiResponse(ApiErrorSerializer, description="The postmortem is published: its text is read-only."),
}


@extend_schema_view(
    list=extend_schema(
        summary="List postmortems",
        parameters=FILTERS,
        responses={200: PostmortemSerializer(many=True), 404: ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="A postmortem with its timeline and action items",
        responses={200: PostmortemSerializer, 404: ERRORS[404]},
    ),
    create=extend_schema(
        summary="Open a postmortem in draft",
        responses={201: PostmortemSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "A SEV2 incident",
                value={
                    "title": "Checkout errors after deploy",
                    "severity": "SEV2",
                    "started_at": "2026-11-02T10:00:00Z",
                    "detected_at": "2026-11-02T10:07:00Z",
                    "mitigated_at": "2026-11-02T10:30:00Z",
                    "resolved_at": "2026-11-02T11:00:00Z",
                    "summary": "A config change broke payment retries.",
                    "tags": ["payments", "deploy"],
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change a postmortem (refused once published)", responses={200: PostmortemSerializer, **ERRORS}
    ),
    update=extend_schema(
        summary="Change a postmortem (refused once published)", responses={200: PostmortemSerializer, **ERRORS}
    ),
)
class PostmortemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TeamScopedViewSet,
):
    serializer_class = PostmortemSerializer
    queryset = Postmortem.objects.all()
    parser_classes = [JSONParser]  # JSON only: what the schema documents

    def get_team_queryset(self):
        return Postmortem.objects.select_related("owner").prefetch_related(
            "tags",
            "timeline",
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "card__column")),
        )

    def get_queryset(self):
        postmortems = self.get_team_queryset().for_team(self.team)
        if self.action != "list":
            return postmortems
        params = self.request.query_params
        for name, choices in (("status", Status.values), ("severity", Severity.values)):
            if params.get(name):
                if params[name] not in choices:
                    raise ValidationError({name: f"One of {', '.join(choices)}."})
                postmortems = postmortems.filter(**{name: params[name]})
        if params.get("tag"):
            postmortems = postmortems.filter(
                Exists(Tag.objects.filter(postmortem=OuterRef("pk"), name=params["tag"].strip().lower()))
            )
        if params.get("q"):
            return postmortem_search(postmortems=postmortems, q=params["q"])
        return postmortems.order_by("-started_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        postmortem = postmortem_create(
            team=self.team,
            title=data.pop("title"),
            severity=data.pop("severity", Severity.SEV3),
            tags=data.pop("tag_names", ()),
            by=request.user,
            **data,
        )
        postmortem = self.get_queryset().get(pk=postmortem.pk)
        return Response(self.get_serializer(postmortem).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = postmortem_update(
            postmortem=serializer.instance, by=cast(User, self.request.user), tags=data.pop("tag_names", None), **data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


routes = [("postmortems", PostmortemViewSet, "postmortem")]
