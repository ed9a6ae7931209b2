"""Team-scoped API routes for webhook deliveries, registered by devopsboard/api.py."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ApiModelSerializer, TeamScopedViewSet
from integrations.models import WebhookDelivery
from integrations.webhooks import services as webhook_services


class DeliverySerializer(ApiModelSerializer):
    repository = serializers.CharField(source="repository_full_name", help_text="owner/name, empty for none")
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "guid",
            "event",
            "action",
            "repository",
            "status",
            "attempts",
            "received_at",
            "processed_at",
            "error",
            "html_url",
        ]
        read_only_fields = fields

    def get_html_url(self, delivery) -> str:
        path = reverse("github-webhooks:index", kwargs={"team": self.context["team"].slug})
        return self.context["request"].build_absolute_uri(f"{path}#delivery-{delivery.pk}")


FILTERS = [
    OpenApiParameter("status", str, enum=WebhookDelivery.Status.values, description="Only deliveries in this state."),
    OpenApiParameter("event", str, description="Only this event, e.g. `pull_request`."),
]


@extend_schema_view(
    list=extend_schema(summary="List the GitHub webhook deliveries received for the team", parameters=FILTERS),
    retrieve=extend_schema(summary="One webhook delivery"),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TeamScopedViewSet):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.defer("body", "headers").order_by("-received_at", "-id")

    def get_queryset(self):
        queryset = self.queryset.for_team(self.team)
        if self.action != "list":
            return queryset
        status = self.request.query_params.get("status")
        if status:
            if status not in WebhookDelivery.Status.values:
                allowed = ", ".join(WebhookDelivery.Status.values)
                raise ValidationError({"status": [f"Unknown status {status!r}; use one of {allowed}."]})
            queryset = queryset.filter(status=status)
        event = self.request.query_params.get("event")
        if event:
            queryset = queryset.filter(event=event)
        return queryset

    @extend_schema(
        summary="Process a delivery again from its stored payload (members)",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, team=None, pk=None):
        delivery = self.get_object()
        try:
            delivery = webhook_services.delivery_replay(delivery=delivery, by=request.user)
        except webhook_services.ReplayError as error:
            raise ValidationError({"detail": str(error)}) from None
        return Response(self.get_serializer(delivery).data, status=202)


routes: list = [("github/deliveries", DeliveryViewSet, "github-delivery")]
