"""Team-scoped API of notification channels, registered by devopsboard/api.py.

Members read, owners write. `url` holds the service's token: it is accepted on writes and answered masked.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ApiModelSerializer, StrictCharField, TeamScopedViewSet, error_responses
from core.events import Event
from notifications import services
from notifications.models import Channel, Delivery


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
