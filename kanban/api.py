"""Boards and cards under /api/v1/teams/<team>/: serializers and viewsets calling kanban.services."""

from functools import cached_property

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.api import ApiErrorSerializer, ApiModelSerializer, TeamScopedViewSet
from core.serializers import ReadOnlyRefusedMixin
from kanban import flow
from kanban.forms import MoveForm
from kanban.models import Board, Card, Column, Label, Swimlane, WipMode
from kanban.queries import CardFilter
from kanban.services import (
    board_create,
    board_update,
    card_create,
    card_delete,
    card_move,
    card_update,
)
from teams.access import team_members


class ColumnSerializer(ApiModelSerializer):
    wip_mode = serializers.ChoiceField(choices=WipMode.choices, default=WipMode.SOFT)

    class Meta:
        model = Column
        fields = ["id", "name", "position", "wip_limit", "wip_mode", "is_done"]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"required": False}}


class SwimlaneSerializer(ApiModelSerializer):
    wip_mode = serializers.ChoiceField(choices=WipMode.choices, default=WipMode.SOFT)

    class Meta:
        model = Swimlane
        fields = ["id", "name", "position", "wip_limit", "wip_mode"]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"required": False}}


class BoardSerializer(ApiModelSerializer):
    columns = ColumnSerializer(many=True, required=False)
    swimlanes = SwimlaneSerializer(many=True, required=False)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Board
        fields = ["id", "name", "description", "archive_after_days", "columns", "swimlanes", "html_url"]
        read_only_fields = ["id", "html_url"]

    def get_html_url(self, board) -> str:
        request = self.context["request"]
        team = self.context["team"]
        return request.build_absolute_uri(reverse("kanban:board", kwargs={"team": team.slug, "board_id": board.pk}))

    def validate(self, attrs):
        if self.instance is not None and ("columns" in attrs or "swimlanes" in attrs):
            raise ValidationError({"columns": "Columns and swimlanes are set when the board is created."})
        return attrs


class BoardSettingsSerializer(BoardSerializer):
    """What a board update takes: columns and swimlanes are set when the board is created."""

    class Meta(BoardSerializer.Meta):
        fields = ["name", "description", "archive_after_days"]


class UsernameField(serializers.SlugRelatedField):
    def get_queryset(self):
        team = self.context.get("team")
        return team_members(team) if team else get_user_model().objects.none()


class LabelNameField(serializers.SlugRelatedField):
    def get_queryset(self):
        team = self.context.get("team")
        return Label.objects.for_team(team) if team else Label.objects.none()


class ListedManyRelatedField(serializers.ManyRelatedField):
    """A to-many field that reads the list `Prefetch(source, to_attr=f"{source}_listed")` left on the instance.

    Prefetching into the relation itself makes Django build one queryset per instance to hold each cache (two
    a card: about half of a 500-card page's time); into a list it builds none. The card list prefetches so;
    single cards, and every write, use the relation as before.
    """

    def get_attribute(self, instance):
        listed = getattr(instance, f"{self.source}_listed", None)
        return listed if listed is not None else super().get_attribute(instance)


class TeamScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """The id of one of the team's objects of `model`, looked up through `model.objects.for_team`."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        team = self.context.get("team")
        return self.model.objects.for_team(team) if team else self.model.objects.none()


PLACEMENT_FIELDS = ("board", "column", "swimlane", "position")


class CardSerializer(ApiModelSerializer):
    board = TeamScopedPrimaryKey(Board)
    column = TeamScopedPrimaryKey(Column, required=False, allow_null=True)
    swimlane = TeamScopedPrimaryKey(Swimlane, required=False, allow_null=True)
    assignees = ListedManyRelatedField(
        child_relation=UsernameField(slug_field="username", help_text="Usernames of members."),
        required=False,
        help_text="Usernames of members.",
    )
    labels = ListedManyRelatedField(
        child_relation=LabelNameField(slug_field="name", help_text="Names of the team's labels."),
        required=False,
        help_text="Names of the team's labels.",
    )
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = [
            "id",
            "board",
            "column",
            "swimlane",
            "position",
            "title",
            "description",
            "description_html",
            "assignees",
            "labels",
            "priority",
            "due_date",
            "blocked",
            "blocked_reason",
            "source_kind",
            "source_id",
            "source_url",
            "created_at",
            "updated_at",
            "started_at",
            "done_at",
            "archived_at",
            "html_url",
        ]
        read_only_fields = [
            "id",
            "description_html",
            "created_at",
            "updated_at",
            "started_at",
            "done_at",
            "archived_at",
            "html_url",
        ]
        extra_kwargs = {
            "position": {
                "required": False,
                "help_text": "Read: the card's sort key in its column (ascending; gaps between cards, may be "
                "negative). Create: an index, 0 is the top; absent: the bottom. Update: only the current sort "
                "key (move with cards/<id>/move/).",
            }
        }

    def _keep_placement(self, attrs) -> None:
        """A PUT or PATCH may repeat where the card is (what a GET answered) but not change it."""
        moved = []
        for field in PLACEMENT_FIELDS:
            if field in attrs:
                value = attrs.pop(field)
                current = getattr(self.instance, f"{field}_id" if field != "position" else field)
                if getattr(value, "pk", value) != current:
                    moved.append(field)
        if moved:
            raise ValidationError({field: "Change where a card is with POST cards/<id>/move/." for field in moved})

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A postmortem's action card points at its page by path when no SITE_URL is set: answered absolute.
        if data.get("source_url", "").startswith("/"):
            data["source_url"] = self.context["request"].build_absolute_uri(data["source_url"])
        return data

    @cached_property
    def _card_url_prefix(self) -> str:
        """The absolute card URL without its id: one reverse() a list, not one a card (the list shares this child)."""
        url = reverse("kanban:card", kwargs={"team": self.context["team"].slug, "card_id": 0})
        return self.context["request"].build_absolute_uri(url).removesuffix("0/")

    def get_html_url(self, card) -> str:
        return f"{self._card_url_prefix}{card.pk}/"

    def validate(self, attrs):
        if self.instance is not None:
            self._keep_placement(attrs)
        else:
            board = attrs["board"]
            for field in ("column", "swimlane"):
                if attrs.get(field) is not None and attrs[field].board_id != board.pk:
                    raise ValidationError({field: f"That {field} is not on board {board.pk}."})
        if attrs.get("blocked") and not attrs.get("blocked_reason", getattr(self.instance, "blocked_reason", "")):
            raise ValidationError({"blocked_reason": "Say why the card is blocked."})
        return attrs


class CardPlacementSerializer(ApiModelSerializer):
    """Where a card is after a move: what a move changes, read without loading labels or assignees."""

    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = ["id", "board", "column", "swimlane", "position", "started_at", "done_at", "updated_at", "html_url"]
        read_only_fields = fields

    _card_url_prefix = CardSerializer._card_url_prefix
    get_html_url = CardSerializer.get_html_url


class MoveSerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    """Documents the move's body; `kanban.forms.MoveForm` validates it, as on the board page."""

    column = serializers.IntegerField(min_value=1, help_text="Id of a column of the card's board.")
    position = serializers.IntegerField(min_value=0, default=0, help_text="Index in the column; 0 is the top.")
    after = serializers.IntegerField(
        required=False, help_text="Id of the card to land just below; wins over position while it is in the column."
    )
    before = serializers.IntegerField(
        required=False, help_text="Id of the card to land just above; wins over position while it is in the column."
    )
    swimlane = serializers.IntegerField(required=False, allow_null=True, help_text="Id of a swimlane, or null.")


PLACEMENT_RULE = (
    "`board`, `column`, `swimlane` and `position` may repeat where the card is (as a GET answered them), "
    "so that a card read, changed and written back is accepted; a different value is a 400: move it with "
    "POST cards/<id>/move/."
)


class CardPagination(PageNumberPagination):
    """50 cards a page; `page_size` up to 500 lets a client read a whole board in a few requests."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """DRF falls back to 50 for a bad `page_size`; this answers 400, as the schema's minimum says."""
        size = request.query_params.get(self.page_size_query_param, "")
        if size and not (size.isascii() and size.isdigit() and int(size) >= 1):
            raise ValidationError({self.page_size_query_param: "A whole number, 1 or more (500 at most are sent)."})
        return min(int(size), self.max_page_size) if size else self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = f"Cards per page; more than {self.max_page_size} gives {self.max_page_size}."
        return parameters


@extend_schema_view(
    list=extend_schema(summary="List the team's boards with their columns"),
    retrieve=extend_schema(summary="A board with its columns and swimlanes"),
    create=extend_schema(
        summary="Create a board with nested columns",
        examples=[
            OpenApiExample(
                "Board with a hard WIP limit",
                value={
                    "name": "Delivery",
                    "columns": [
                        {"name": "To do"},
                        {"name": "Doing", "wip_limit": 3, "wip_mode": "hard"},
                        {"name": "Done", "is_done": True},
                    ],
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Rename a board or change its automatic archiving", request=BoardSettingsSerializer
    ),
    update=extend_schema(summary="Rename a board or change its automatic archiving", request=BoardSettingsSerializer),
)
class BoardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    TeamScopedViewSet,
):
    queryset = Board.objects.prefetch_related("columns", "swimlanes").order_by("name", "id")
    serializer_class = BoardSerializer
    # Members create boards; renaming one or changing its archiving is board settings: owners only.
    owner_actions = ("update", "partial_update")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = board_create(
            team=self.team,
            name=data["name"],
            by=self.request.user,
            description=data.get("description", ""),
            archive_after_days=data.get("archive_after_days"),
            columns=data.get("columns", ()),
            swimlanes=data.get("swimlanes", ()),
        )

    def perform_update(self, serializer):
        serializer.instance = board_update(board=serializer.instance, by=self.request.user, **serializer.validated_data)

    @extend_schema(
        summary="Flow metrics of a board",
        description="Cumulative flow, lead and cycle time (median, 85th percentile), weekly throughput, "
        "time in column and WIP age, replayed from card history. See kanban/flow.py for the definitions.",
        parameters=[OpenApiParameter("days", int, description="Window in days (7–365, default 30).")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="flow")
    def flow(self, request, team=None, pk=None):
        board = self.get_object()
        try:
            days = int(request.query_params.get("days") or 30)
        except ValueError:
            raise ValidationError({"days": "A whole number of days, 7 to 365."})
        return Response(flow.board_flow_metrics(board=board, days=max(7, min(days, 365))))


@extend_schema_view(
    list=extend_schema(
        summary="List cards (filters as on the board page; page_size up to 500)",
        parameters=[
            *(
                OpenApiParameter(name, {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}, description=text)
                for name, text in (("board", "Board id."), ("column", "Column id."))
            ),
            # Read as the board page's checkboxes read them: false, 0 or empty is unticked, anything else ticked.
            OpenApiParameter("blocked", str, description="true: only blocked cards (false, 0: all)."),
            OpenApiParameter("archived", str, description="true: only archived cards (false, 0: open cards)."),
        ],
    ),
    retrieve=extend_schema(summary="A card"),
    create=extend_schema(
        summary="Create a card (column empty: the board's first column; position: index, 0 is the top, "
        "absent: the bottom; blocked needs blocked_reason)",
        responses={201: CardSerializer, 409: OpenApiResponse(ApiErrorSerializer, description="A hard WIP limit.")},
    ),
    partial_update=extend_schema(
        summary="Change some of a card's fields (move it with cards/<id>/move/)",
        description=PLACEMENT_RULE,
    ),
    update=extend_schema(
        summary="Replace a card's fields (move it with cards/<id>/move/)",
        description="Fields left out keep their values. " + PLACEMENT_RULE,
    ),
    destroy=extend_schema(summary="Delete a card and its history"),
)
class CardViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TeamScopedViewSet,
):
    queryset = Card.objects.prefetch_related("assignees", "labels").order_by(
        "board_id", "column__position", "position", "id"
    )
    serializer_class = CardSerializer
    pagination_class = CardPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CardFilter

    def get_queryset(self):
        cards = super().get_queryset()
        # A move needs the card's row only, and answers with its placement (no labels or assignees).
        if self.action == "move":
            return cards.prefetch_related(None)
        # A list reads them only: into lists (ListedManyRelatedField), which is half the cost of a page.
        if self.action == "list":
            listed = [Prefetch(name, to_attr=f"{name}_listed") for name in ("assignees", "labels")]
            return cards.prefetch_related(None).prefetch_related(*listed)
        return cards

    def filter_queryset(self, queryset):
        # Filters (open cards by default) narrow the list only: an archived card stays reachable by id.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        card = card_create(
            board=data["board"],
            title=data["title"],
            by=request.user,
            column=data.get("column"),
            position=data.get("position"),
            description=data.get("description", ""),
            labels=data.get("labels", ()),
            assignees=data.get("assignees", ()),
            swimlane=data.get("swimlane"),
            priority=data.get("priority", "normal"),
            due_date=data.get("due_date"),
            blocked=data.get("blocked", False),
            blocked_reason=data.get("blocked_reason", ""),
            source_kind=data.get("source_kind", ""),
            source_id=data.get("source_id", ""),
            source_url=data.get("source_url", ""),
        )
        return Response(self.get_serializer(card).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = card_update(
            card=serializer.instance,
            by=self.request.user,
            assignees=data.pop("assignees", None),
            labels=data.pop("labels", None),
            **data,
        )

    def perform_destroy(self, instance):
        card_delete(card=instance, by=self.request.user)

    @extend_schema(
        summary="Move a card to a column and position",
        description="Answers where the card now is (GET the card for all of its fields): the same form and "
        "service as a drop on the board page, in as many statements.",
        request=MoveSerializer,
        responses={
            200: CardPlacementSerializer,
            409: OpenApiResponse(ApiErrorSerializer, description="A hard WIP limit refuses the move."),
        },
        examples=[
            OpenApiExample("Move to the top of column 7", value={"column": 7, "position": 0}),
            OpenApiExample("Drop between two cards of column 7", value={"column": 7, "after": 41, "before": 40}),
        ],
    )
    @action(detail=True, methods=["post"], url_path="move")
    def move(self, request, team=None, pk=None):
        card = self.get_object()
        card.team = self.team  # the card is of this team (get_object scoped it): spare the audit's query
        if not isinstance(request.data, dict):
            raise ValidationError("The body must be a JSON object: column, and position or after/before.")
        form = MoveForm(request.data, board_id=card.board_id)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        card = card_move(card=card, by=request.user, **form.move_kwargs())
        return Response(CardPlacementSerializer(card, context=self.get_serializer_context()).data)


routes = [
    ("boards", BoardViewSet, "board"),
    ("cards", CardViewSet, "card"),
]
