"""Retros under /api/v1/teams/<team>/retros/: serializers and a viewset calling retros.services.

Anonymous retros: a note carries no `author` field at all (another serializer, not a null),
votes and safety answers are returned only as counts. A client that writes anonymous notes or
votes may send `key`, a 64-hex-digit secret it keeps (the browser's cookie plays that role on
the pages); the server stores only HMACs of it (see retros.privacy).
"""

from __future__ import annotations

import re
import secrets
from typing import cast

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ApiErrorSerializer, ApiModelSerializer, StrictCharField, TeamScopedViewSet, error_responses
from core.serializers import ReadOnlyRefusedMixin
from kanban.models import Board
from retros import queries
from retros.models import ActionItem, Format, Group, Note, Phase, Retro
from retros.privacy import unlogged_author
from retros.services import (
    RetroError,
    action_create,
    note_add,
    note_delete,
    note_edit,
    note_reveal,
    retro_advance_phase,
    retro_create,
    safety_answer,
    vote_cast,
)
from teams.api import TeamMemberField

KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
ERRORS = {
    **error_responses(401),
    400: OpenApiResponse(ApiErrorSerializer, description="Refused: `detail` says why (budget used up, bad field)."),
    403: OpenApiResponse(ApiErrorSerializer, description="Your role is too low, or only the facilitator may do this."),
    404: OpenApiResponse(
        ApiErrorSerializer, description="No such retro in this team, or you are not a member of the team."
    ),
}
# The steps of a running retro: each may be refused by the retro's state (its phase, an answer given).
STEP_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        ApiErrorSerializer, description="The retro's phase (or an answer already given) refuses this step."
    ),
}


class BoardField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        team = self.context.get("team")
        return Board.objects.for_team(team) if team else Board.objects.none()


class RetroSerializer(ApiModelSerializer):
    facilitator = TeamMemberField(required=False, allow_null=True)
    board = BoardField(required=False, allow_null=True)
    format = serializers.ChoiceField(choices=Format.choices, default=Format.START_STOP_CONTINUE)
    prompts = serializers.ListField(child=StrictCharField(max_length=80), required=False)
    html_url = serializers.SerializerMethodField()

    class Meta:
        model = Retro
        fields = [
            "id",
            "title",
            "format",
            "prompts",
            "anonymous",
            "phase",
            "facilitator",
            "board",
            "vote_budget",
            "group_vote_cap",
            "notes_revealed",
            "scheduled_for",
            "timer_ends_at",
            "html_url",
        ]
        read_only_fields = ["id", "phase", "notes_revealed", "scheduled_for", "timer_ends_at", "html_url"]

    def get_html_url(self, retro: Retro) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("retros:retro", kwargs={"team": self.context["team"].slug, "retro_id": retro.pk})
        )


class AnonymousNoteSerializer(ApiModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "prompt", "text", "group", "hidden"]


class NamedNoteSerializer(ApiModelSerializer):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "prompt", "text", "group", "hidden", "author"]


class GroupSerializer(ApiModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "title", "position", "votes"]


class ActionSerializer(ApiModelSerializer):
    owner = TeamMemberField(required=False, allow_null=True)
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.none(), required=False, allow_null=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = ["id", "text", "owner", "due_date", "group", "status", "card"]
        read_only_fields = ["id", "status", "card"]

    def get_status(self, action: ActionItem) -> str:
        return action.live_status()


class SafetySerializer(ReadOnlyRefusedMixin, serializers.Serializer):
    answers = serializers.IntegerField()
    minimum = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField(), allow_null=True)


class RetroDetailSerializer(RetroSerializer):
    notes = serializers.SerializerMethodField()
    groups = GroupSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    safety = serializers.SerializerMethodField()

    class Meta(RetroSerializer.Meta):
        fields = RetroSerializer.Meta.fields + ["notes", "groups", "actions", "safety"]

    def get_notes(self, retro: Retro) -> list[dict]:
        notes = queries.visible_notes(retro, self.context["request"].user, None)
        serializer = AnonymousNoteSerializer if retro.anonymous else NamedNoteSerializer
        # djangorestframework-stubs type `Serializer(..., many=True)` as the serializer itself, whose
        # `.data` is a ReturnDict; DRF's __new__ returns a ListSerializer, whose `.data` is a ReturnList.
        return serializer(notes, many=True).data  # type: ignore[return-value]

    def get_safety(self, retro: Retro) -> dict:
        result = queries.safety_distribution(retro)
        counts = {str(value): count for value, count in result.counts} if result.counts is not None else None
        return {"answers": result.answers, "minimum": result.minimum, "distribution": counts}


class PhaseRequest(ReadOnlyRefusedMixin, serializers.Serializer):
    # One of the phases; the service refuses (409) any but the next or the previous one.
    to = serializers.ChoiceField(
        choices=Phase.choices, required=False, help_text="The previous phase, to go back one step (409 otherwise)."
    )


class SafetyRequest(ReadOnlyRefusedMixin, serializers.Serializer):
    value = serializers.IntegerField(min_value=1, max_value=5)


class KeyMixin(ReadOnlyRefusedMixin, serializers.Serializer):
    key = serializers.RegexField(KEY_PATTERN, required=False, help_text="Your client's own secret (64 hex digits).")


class NoteRequest(KeyMixin):
    prompt = StrictCharField(max_length=80)
    text = StrictCharField(max_length=2000)


class NoteEditRequest(KeyMixin):
    note = serializers.UUIDField()
    text = StrictCharField(max_length=2000)


class NoteDeleteRequest(KeyMixin):
    note = serializers.UUIDField()


class VoteRequest(KeyMixin):
    group = serializers.IntegerField()
    remove = serializers.BooleanField(default=False)


@extend_schema_view(
    list=extend_schema(
        summary="List the team's retros, newest first",
        responses={200: RetroSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="A retro with the notes, groups, actions and safety distribution its phase and anonymity allow",
        responses={200: RetroDetailSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    ),
    create=extend_schema(
        summary="Start a retro (you facilitate unless `facilitator` names another member)",
        responses={201: RetroSerializer, **ERRORS},
    ),
)
class RetroViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TeamScopedViewSet):
    queryset = Retro.objects.select_related("facilitator", "board", "team").order_by("-scheduled_for", "-id")
    serializer_class = RetroSerializer
    lookup_url_kwarg = "pk"

    def get_queryset(self):
        retros = super().get_queryset()
        if self.action == "retrieve":
            return retros.prefetch_related("groups", "actions__owner", "actions__card__column")
        return retros

    def get_serializer_class(self):
        return RetroDetailSerializer if self.action == "retrieve" else RetroSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = retro_create(
            team=self.team,
            title=data["title"],
            # The viewset's permissions let only logged-in members this far.
            by=cast(User, self.request.user),
            format=data["format"],
            prompts=data.get("prompts"),
            anonymous=data.get("anonymous", True),
            facilitator=data.get("facilitator"),
            board=data.get("board"),
            vote_budget=data.get("vote_budget", 5),
            group_vote_cap=data.get("group_vote_cap", 3),
        )

    def _detail(self, retro: Retro, status: int = 200) -> Response:
        retro.refresh_from_db()
        context = self.get_serializer_context()
        return Response(RetroDetailSerializer(retro, context=context).data, status=status)

    def _parse(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Move to the next phase (or one back with `to`); the facilitator only",
        request=PhaseRequest,
        responses={200: RetroDetailSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def phase(self, request, team, pk=None):
        retro = self.get_object()
        data = self._parse(PhaseRequest)
        retro_advance_phase(retro=retro, by=request.user, to=data.get("to"))
        return self._detail(retro)

    @extend_schema(
        summary="Reveal every note at once (reflect phase, facilitator only)",
        request=None,
        responses={200: RetroDetailSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, team, pk=None):
        retro = self.get_object()
        note_reveal(retro=retro, by=request.user)
        return self._detail(retro)

    @unlogged_author
    @extend_schema(
        summary="Answer the safety check (1–5), once; stored without your name",
        request=SafetyRequest,
        responses={204: None, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def safety(self, request, team, pk=None):
        retro = self.get_object()
        safety_answer(retro=retro, value=self._parse(SafetyRequest)["value"], by=request.user)
        return Response(status=204)

    @unlogged_author
    @extend_schema(
        summary="Write a note (reflect phase); in an anonymous retro it carries no author",
        request=NoteRequest,
        responses={
            201: inline_serializer("NoteCreated", {"id": serializers.UUIDField()}),
            **STEP_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, team, pk=None):
        retro = self.get_object()
        data = self._parse(NoteRequest)
        key = data.get("key") or secrets.token_hex(32)
        note = note_add(retro=retro, prompt=data["prompt"], text=data["text"], by=request.user, secret=key)
        return Response({"id": str(note.id)}, status=201)

    @unlogged_author
    @extend_schema(
        summary="Edit one of your notes before the reveal",
        description="In an anonymous retro send the `key` you wrote the note with: nothing else shows it is yours.",
        request=NoteEditRequest,
        responses={204: None, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="notes/edit")
    def notes_edit(self, request, team, pk=None):
        retro = self.get_object()
        data = self._parse(NoteEditRequest)
        note_edit(retro=retro, note_id=data["note"], text=data["text"], by=request.user, secret=data.get("key") or "")
        return Response(status=204)

    @unlogged_author
    @extend_schema(
        summary="Delete one of your notes before the reveal",
        description="In an anonymous retro send the `key` you wrote the note with: nothing else shows it is yours.",
        request=NoteDeleteRequest,
        responses={204: None, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="notes/delete")
    def notes_delete(self, request, team, pk=None):
        retro = self.get_object()
        data = self._parse(NoteDeleteRequest)
        note_delete(retro=retro, note_id=data["note"], by=request.user, secret=data.get("key") or "")
        return Response(status=204)

    @unlogged_author
    @extend_schema(
        summary="Put a dot on a group (or take one back with `remove`), within your budget and the per-group cap",
        description="Anonymous retros need `key`: the per-group cap is kept against it, never against your name.",
        request=VoteRequest,
        responses={
            200: inline_serializer("VotesLeft", {"votes_left": serializers.IntegerField()}),
            **STEP_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def votes(self, request, team, pk=None):
        retro = self.get_object()
        data = self._parse(VoteRequest)
        if retro.anonymous and not data.get("key"):
            raise RetroError("Votes in an anonymous retro need your client's `key` (64 hex digits).")
        group = Group.objects.for_team(self.team).filter(retro=retro, pk=data["group"]).first()
        if group is None:
            raise RetroError("No such group in this retro.")
        left = vote_cast(retro=retro, group=group, by=request.user, secret=data.get("key") or "", remove=data["remove"])
        return Response({"votes_left": left})

    @extend_schema(
        summary="Create an action item (discuss or summary phase); it becomes a card on the retro's board",
        request=ActionSerializer,
        responses={201: ActionSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, team, pk=None):
        retro = self.get_object()
        serializer = ActionSerializer(data=request.data, context=self.get_serializer_context())
        groups = serializer.fields["group"]
        assert isinstance(groups, serializers.PrimaryKeyRelatedField)
        # djangorestframework-stubs type RelatedField.queryset as `QuerySet | Manager`, and django-stubs give
        # Manager a __get__, so mypy checks this plain instance assignment as a descriptor call.
        groups.queryset = Group.objects.for_team(self.team).filter(retro=retro)  # type: ignore[arg-type]
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = action_create(
            retro=retro,
            text=data["text"],
            by=request.user,
            owner=data.get("owner"),
            due_date=data.get("due_date"),
            group=data.get("group"),
        )
        return Response(ActionSerializer(item, context=self.get_serializer_context()).data, status=201)


routes = [("retros", RetroViewSet, "retro")]
