"""Team-scoped API of notification channels, registered by devopsboard/api.py; and the caller's own notifications.

Channels: members read, owners write. `url` holds the service's token: it is accepted on writes and answered
masked. `/api/v1/notifications/`: the caller's inbox across the teams they are in, and marking it read.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ApiModelSerializer, StrictCharField, TeamScopedViewSet, error_responses
from core.events import Event
from core.serializers import ReadOnlyRefusedMixin
from notifications import people, services
from notifications.models import Channel, Delivery, Notification
from teams.models import Team


@extend_schema_field(
    {
        "type": "string",
        "description": "Apprise URL of the channel (it holds the service's token). Accepted on writes; "
        "answers show it masked, e.g. `slack://••••••`.",
        "example": "https://hooks.slack.com/services/T000/B000/XXXX",
    }
)
class MaskedUrlField(StrictCharField):
    def to_representation(self, value: object) -> str:
        return getattr(self.parent, "instance_masked_url", "")  # set by the serializer for the object answered


class ChannelSerializer(ApiModelSerializer):
    url = MaskedUrlField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices),
        required=False,
        help_text="The events this channel hears; a new channel gets the defaults when left out.",
    )
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = ["id", "name", "service", "url", "events", "created_at", "html_url"]
        read_only_fields = ["service", "created_at"]

    def to_representation(self, instance: Channel) -> dict:
        self.instance_masked_url = instance.masked_url
        return super().to_representation(instance)

    def get_html_url(self, channel: Channel) -> str:
        path = reverse("notifications:deliveries", kwargs={"team": self.context["team"].slug, "channel_id": channel.pk})
        return self.context["request"].build_absolute_uri(path)


class ChannelUpdateSerializer(ChannelSerializer):
    url = MaskedUrlField(max_length=2000, required=False)
    name = StrictCharField(max_length=100, required=False)


class ChannelDeliverySerializer(ApiModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "event", "title", "status", "attempts", "error", "created_at", "finished_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="List the team's notification channels"),
    retrieve=extend_schema(summary="One notification channel"),
    create=extend_schema(
        summary="Add a notification channel (owners)",
        responses={201: ChannelSerializer, **error_responses(400, 403, 409)},
    ),
    partial_update=extend_schema(
        summary="Change a channel (owners)",
        request=ChannelUpdateSerializer,
        responses={200: ChannelSerializer, **error_responses(400, 403, 404, 409)},
    ),
    update=extend_schema(
        summary="Replace a channel (owners)", responses={200: ChannelSerializer, **error_responses(400, 403, 404, 409)}
    ),
    destroy=extend_schema(summary="Delete a channel (owners)"),
)
class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TeamScopedViewSet,
):
    queryset = Channel.objects.all()
    write_role = "owner"
    owner_actions = ("create", "update", "partial_update", "destroy", "test")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ChannelUpdateSerializer
        if self.action == "deliveries":
            return ChannelDeliverySerializer
        return ChannelSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.channel_create(
            team=self.team, by=self.request.user, name=data["name"], url=data["url"], events=data.get("events")
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.channel_update(
            channel=serializer.instance,
            by=self.request.user,
            name=data.get("name"),
            url=data.get("url"),
            events=data.get("events"),
        )

    def perform_destroy(self, instance):
        services.channel_delete(channel=instance, by=self.request.user)

    @extend_schema(
        summary="Send the channel a test message (owners)",
        request=None,
        responses={202: ChannelDeliverySerializer, **error_responses(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, team=None, pk=None):
        delivery = services.channel_test(channel=self.get_object(), by=request.user)
        return Response(ChannelDeliverySerializer(delivery).data, status=202)

    @extend_schema(
        summary="The channel's delivery log, newest first", responses={200: ChannelDeliverySerializer(many=True)}
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, team=None, pk=None):
        channel = self.get_object()
        page = self.paginate_queryset(Delivery.objects.for_team(self.team).filter(channel=channel))
        return self.get_paginated_response(ChannelDeliverySerializer(page, many=True).data)


routes: list = [("channels", ChannelViewSet, "channel")]


class NotificationSerializer(ApiModelSerializer):
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The team's slug."
    )
    event = serializers.ChoiceField(choices=Event.choices, read_only=True)
    html_url = serializers.SerializerMethodField(help_text="Where the notification points, in the app.")

    class Meta:
        model = Notification
        fields = ["id", "team", "event", "title", "body", "html_url", "created_at", "read_at"]
        read_only_fields = fields

    def get_html_url(self, notification: Notification) -> str:
        return self.context["request"].build_absolute_uri(notification.path)


class MarkReadSerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    team = StrictCharField(
        max_length=50, required=False, help_text="A team's slug: only its notifications. All of them when left out."
    )


class MarkedSerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread.")


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications (mentions, reviews asked of you, your action items), newest first",
        responses={200: NotificationSerializer(many=True), **error_responses(401, 403, 404)},
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, in the teams they are a member of."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # the schema reads the id's type here; get_queryset scopes to the caller

    def get_queryset(self):
        return people.notifications_of(self.request.user)

    @extend_schema(
        summary="Mark one of your notifications read",
        operation_id="notifications_read_one",
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = people.notification_open(notification=self.get_object())
        return Response(NotificationSerializer(notification, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Mark all your notifications read (of one team, or of all)",
        operation_id="notifications_read_all",
        request=MarkReadSerializer,
        responses={200: MarkedSerializer, **error_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read_all(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slug = data.validated_data.get("team")
        team = Team.objects.for_user(request.user).filter(slug=slug).first() if slug else None
        if slug and team is None:  # not one of the caller's teams: none of their notifications are there
            return Response({"marked": 0})
        return Response({"marked": people.notifications_read_all(person=request.user, team=team)})
