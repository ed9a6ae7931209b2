"""The caller's own API tokens: list them, create one (its key is in that answer only), revoke one."""

from datetime import timedelta
from typing import cast

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import ApiModelSerializer, StrictBooleanField, StrictCharField, error_responses
from tokens.models import ApiToken
from tokens.services import token_create, token_revoke


class ApiTokenSerializer(ApiModelSerializer):
    expires_in_days = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=3650, help_text="Omit for a token that never expires."
    )

    name = StrictCharField(max_length=100, required=False, help_text="A label to tell the token apart.")
    read_only = StrictBooleanField(  # type: ignore[assignment]  # the model field, not DRF's Field.read_only
        required=False, default=False, help_text="A read-only token may only read (GET); it is refused any write."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expires_in_days", "read_only"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "expires_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown in this answer only; it is stored as a digest.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


@extend_schema_view(
    list=extend_schema(
        summary="List your API tokens (their keys are not stored and never shown again)",
        responses={200: ApiTokenSerializer(many=True), **error_responses(400, 401, 403, 404)},
    ),
    create=extend_schema(
        summary="Create an API token; the answer is the only place its key appears",
        responses={201: NewApiTokenSerializer, **error_responses(400, 401, 403)},
    ),
    destroy=extend_schema(
        summary="Revoke one of your API tokens",
        responses={204: None, **error_responses(400, 401, 403, 404)},
    ),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # the schema reads the id's type here; get_queryset scopes to the caller

    def get_queryset(self):
        return ApiToken.objects.for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        days = serializer.validated_data.get("expires_in_days")
        # A token may not mint a token that outlives it or does more (the 400 says why).
        creator = request.auth if isinstance(request.auth, ApiToken) else None
        token, key = token_create(
            user=request.user,
            name=serializer.validated_data.get("name", ""),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            read_only=serializer.validated_data.get("read_only", False),
            created_with=creator,
        )
        return Response({**ApiTokenSerializer(token).data, "key": key}, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(token=instance, by=cast(User, self.request.user))
