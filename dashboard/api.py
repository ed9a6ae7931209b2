"""Read-only figures under /api/v1/teams/<team>/: the DORA keys and the "How DevOps are we?" report."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from core.api import ApiErrorSerializer, StrictCharField, TeamScopedViewSet
from core.serializers import ReadOnlyRefusedMixin
from dashboard.dora import dora_metrics
from dashboard.models import DashboardSettings
from dashboard.report import report_build
from integrations.models import Repository


class DoraQuerySerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=730, default=30)
    repository = StrictCharField(
        required=False, allow_blank=True, max_length=201, help_text="OWNER/NAME of one repository; empty: all."
    )


class ReportQuerySerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=730, default=90, help_text="Period the report covers.")


def _key_serializer(name: str) -> Serializer:
    return inline_serializer(
        name=name,
        fields={
            "value": serializers.FloatField(allow_null=True),
            "unit": serializers.CharField(),
            "band": serializers.ChoiceField(choices=["elite", "high", "medium", "low"], allow_null=True),
            "sample_size": serializers.IntegerField(),
        },
    )


ERROR = ApiErrorSerializer


@extend_schema_serializer(many=False)  # one object, though the route is the viewset's `list`
class DoraMetricsSerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    days = serializers.IntegerField()
    repository = serializers.CharField(allow_null=True)
    deployment_frequency = _key_serializer("DoraDeploymentFrequency")
    lead_time_for_changes = _key_serializer("DoraLeadTime")
    change_failure_rate = _key_serializer("DoraChangeFailureRate")
    time_to_restore = _key_serializer("DoraTimeToRestore")


class DoraViewSet(TeamScopedViewSet):
    """DORA's four keys over the last `days` days, as defined in the dashboard's DORA settings."""

    pagination_class = None

    @extend_schema(
        parameters=[DoraQuerySerializer],
        responses={
            200: DoraMetricsSerializer,
            400: OpenApiResponse(ERROR, description="`days` is not a whole number of days from 1 to 730."),
            404: OpenApiResponse(ERROR, description="No such team (or not a member), or no such repository in it."),
        },
    )
    def list(self, request, team):
        query = DoraQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        repository = None
        if name := query.validated_data.get("repository"):
            repository = Repository.objects.for_team(self.team).filter(full_name__iexact=name).first()
            if repository is None:
                raise NotFound(f"{self.team.name} has no repository {name}.")
        days = query.validated_data["days"]
        definitions = DashboardSettings.of(self.team).dora_definitions()
        keys = dora_metrics(team=self.team, days=days, repository=repository, definitions=definitions)
        body = {"days": days, "repository": repository.full_name if repository else None}
        return Response(body | {name: key.as_dict() for name, key in keys.items()})


class ReportViewSet(TeamScopedViewSet):
    """The team's "How DevOps are we?" report, generated from its own data."""

    pagination_class = None

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Sections, capabilities and evidence."),
            400: OpenApiResponse(ERROR, description="`days` is not a whole number of days from 1 to 730."),
            404: OpenApiResponse(ERROR, description="No such team (or not a member)."),
        },
    )
    def list(self, request, team):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(report_build(team=self.team, days=query.validated_data["days"]).as_dict())


routes = [
    ("metrics/dora", DoraViewSet, "dora"),
    ("report", ReportViewSet, "report"),
]
