"""Postmortems under /api/v1/teams/<team>/postmortems/: serializers and a viewset calling the services."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ApiErrorSerializer, ApiModelSerializer, StrictCharField, TeamScopedViewSet
from integrations.models import Deployment
from kanban.models import Board, Card
from postmortems.models import (
    ActionItem,
    ActionPriority,
    ActionStatus,
    Postmortem,
    Severity,
    Status,
    Tag,
    TimelineEntry,
    TimelineKind,
)
from postmortems.services import (
    action_item_create,
    action_item_delete,
    action_item_set_done,
    action_item_update,
    postmortem_create,
    postmortem_search,
    postmortem_update,
    timeline_entry_add,
    timeline_entry_delete,
    timeline_entry_update,
)
from teams.api import TeamMemberField


class TimelineEntrySerializer(ApiModelSerializer):
    kind = serializers.ChoiceField(choices=TimelineKind.choices, default=TimelineKind.NOTE)

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "kind", "text"]


@extend_schema_field({"type": "string", "nullable": True})
class OwnerField(serializers.SlugRelatedField):
    """A username that may be null (no owner yet, or the owner's account is gone)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class TeamBoardField(serializers.PrimaryKeyRelatedField):
    """The id of one of the team's boards; another team's is refused like a missing one."""

    def get_queryset(self):
        team = self.context.get("team")
        return Board.objects.for_team(team) if team else Board.objects.none()


class ActionItemSerializer(ApiModelSerializer):
    owner = TeamMemberField(required=False, allow_null=True, help_text="A member's username, or null.")
    priority = serializers.ChoiceField(choices=ActionPriority.choices, default=ActionPriority.NORMAL)
    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        help_text="open or done; with a card, done when it is in a done column, and writing it moves the card.",
    )
    card: serializers.PrimaryKeyRelatedField[Card] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the item's card, or null."
    )
    board = TeamBoardField(
        required=False,
        write_only=True,
        help_text="On creation: the board its card goes on (left out: the team's action board, if it has one).",
    )

    class Meta:
        model = ActionItem
        fields = ["id", "description", "owner", "due_date", "priority", "status", "card", "board"]
        extra_kwargs = {"due_date": {"help_text": "Left out on creation: the team's SLO for the severity."}}

    def validate(self, attrs):
        if self.instance is not None and "board" in attrs:
            raise ValidationError({"board": "A card's board is chosen when the item is created."})
        return attrs


@extend_schema_field({"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "maxLength": 2000})
class HttpUrlField(serializers.URLField):
    """An http(s) URL, as the postmortem form takes (a `javascript:` link would run where it is shown)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(URLValidator(schemes=["http", "https"], message="An http(s) URL."))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TeamDeploymentField(serializers.PrimaryKeyRelatedField):
    """The id of one of the team's synced deployments; another team's is refused like a missing one."""

    def get_queryset(self):
        team = self.context.get("team")
        return Deployment.objects.for_team(team) if team else Deployment.objects.none()


class PostmortemSerializer(ApiModelSerializer):
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.SEV3)
    owner = OwnerField(read_only=True, help_text="The owner's username, or null.")
    tags = serializers.ListField(child=StrictCharField(max_length=50), required=False, source="tag_names")
    contributing_factors = serializers.ListField(child=StrictCharField(), required=False)
    went_well = serializers.ListField(child=StrictCharField(), required=False)
    went_wrong = serializers.ListField(child=StrictCharField(), required=False)
    got_lucky = serializers.ListField(child=StrictCharField(), required=False)
    links = serializers.ListField(
        child=HttpUrlField(max_length=2000), required=False, help_text="http(s) URLs: PRs, deployments, releases."
    )
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


PM_PARAMETER = OpenApiParameter("pm_id", int, OpenApiParameter.PATH, description="The postmortem's id.")
PART_ERRORS = {
    **ERRORS,
    404: OpenApiResponse(ApiErrorSerializer, description="No such team, postmortem or entry (or not a member)."),
}


def _part_schema(noun: str, serializer: type[serializers.Serializer], *, published: str) -> dict:
    return {
        "list": extend_schema(
            summary=f"List a postmortem's {noun}s", responses={200: serializer(many=True), **PART_ERRORS}
        ),
        "create": extend_schema(summary=f"Add a {noun} ({published})", responses={201: serializer, **PART_ERRORS}),
        "update": extend_schema(summary=f"Change a {noun} ({published})", responses={200: serializer, **PART_ERRORS}),
        "partial_update": extend_schema(
            summary=f"Change a {noun} ({published})", responses={200: serializer, **PART_ERRORS}
        ),
        "destroy": extend_schema(summary=f"Remove a {noun} ({published})", responses={204: None, **PART_ERRORS}),
    }


@extend_schema(parameters=[PM_PARAMETER])
class PostmortemPartViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TeamScopedViewSet,
):
    """Base of `/postmortems/<pm_id>/<part>/`: the postmortem is looked up in the team once, 404 otherwise."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.postmortem = get_object_or_404(Postmortem.objects.for_team(self.team), pk=kwargs["pm_id"])

    def get_queryset(self):
        return super().get_queryset().filter(postmortem=self.postmortem)

    def _answer(self, obj: TimelineEntry | ActionItem, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=status_code)


@extend_schema_view(**_part_schema("timeline entry", TimelineEntrySerializer, published="refused once published"))
class TimelineEntryViewSet(PostmortemPartViewSet):
    serializer_class = TimelineEntrySerializer
    queryset = TimelineEntry.objects.all()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = timeline_entry_add(postmortem=self.postmortem, by=request.user, **serializer.validated_data)
        return self._answer(entry, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        entry = timeline_entry_update(entry=entry, by=request.user, **serializer.validated_data)
        return self._answer(entry)

    def perform_destroy(self, instance):
        timeline_entry_delete(entry=instance, by=cast(User, self.request.user))


@extend_schema_view(**_part_schema("action item", ActionItemSerializer, published="published postmortems too"))
class ActionItemViewSet(PostmortemPartViewSet):
    """Action items with their cards, through the services the page uses: writing `status` moves the card."""

    serializer_class = ActionItemSerializer
    queryset = ActionItem.objects.select_related("owner", "card__column", "card__board")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        done = data.pop("status", ActionStatus.OPEN) == ActionStatus.DONE
        with transaction.atomic():
            item = action_item_create(postmortem=self.postmortem, by=request.user, **data)
            if done:
                item = action_item_set_done(item=item, done=True, by=request.user)
        return self._answer(item, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = self.get_serializer(item, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        new_status = data.pop("status", None)
        with transaction.atomic():
            if data:
                item = action_item_update(item=item, by=request.user, **data)
            if new_status is not None and new_status != item.status:
                item = action_item_set_done(item=item, done=new_status == ActionStatus.DONE, by=request.user)
        return self._answer(item)

    def perform_destroy(self, instance):
        action_item_delete(item=instance, by=cast(User, self.request.user))


PART_PREFIX = r"postmortems/(?P<pm_id>[0-9]+)/"
routes = [
    ("postmortems", PostmortemViewSet, "postmortem"),
    (PART_PREFIX + "timeline", TimelineEntryViewSet, "postmortem-timeline"),
    (PART_PREFIX + "action-items", ActionItemViewSet, "postmortem-action-item"),
]
