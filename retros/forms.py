from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from core.forms import limit_choices
from kanban.models import Board
from retros.models import SAFETY_MINIMUM_FLOOR, Format
from teams.access import team_members
from teams.models import Team


class RetroForm(forms.Form):
    """A new retro; the Board field starts at the team's default board (see services.default_board)."""

    title = forms.CharField(max_length=120, initial="Weekly retro")
    format = forms.ChoiceField(choices=Format.choices)
    prompts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Custom prompts only: one per line.",
    )
    anonymous = forms.BooleanField(
        required=False, initial=True, help_text="Nobody, not even the server, can tell who wrote a note or cast a vote."
    )
    weekly = forms.BooleanField(
        required=False, label="Repeat weekly", help_text="Finishing it creates next week's retro."
    )
    facilitator: forms.ModelChoiceField[User] = forms.ModelChoiceField(queryset=None, required=False, empty_label="Me")
    board: forms.ModelChoiceField[Board] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="The team's default board",
        help_text="Action items become cards here.",
    )
    vote_budget = forms.IntegerField(min_value=1, max_value=20, initial=5, label="Votes per person")
    group_vote_cap = forms.IntegerField(
        min_value=1, max_value=20, initial=3, label="Votes one person may put on one group"
    )

    def __init__(self, *args: Any, team: Team, default: Board | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "facilitator", team_members(team))
        limit_choices(self, "board", Board.objects.for_team(team))
        self.fields["board"].initial = default
        self.fields["board"].help_text = (
            "Action items become cards here." if default else "The team has no board yet: create one for action items."
        )

    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("prompts", "").splitlines() if line.strip()]


class SettingsForm(forms.Form):
    safety_minimum = forms.IntegerField(
        min_value=SAFETY_MINIMUM_FLOOR,
        max_value=50,
        label="Answers needed before the safety distribution shows",
        help_text="Applies to retros started from now on; a running retro keeps the minimum it started with.",
    )
    board: forms.ModelChoiceField[Board] = forms.ModelChoiceField(
        queryset=None, required=False, label="Default board for action items", empty_label="The team's first board"
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "board", Board.objects.for_team(team))


class NoteForm(forms.Form):
    prompt = forms.CharField(max_length=80)
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ActionForm(forms.Form):
    text = forms.CharField(max_length=300, label="Action")
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody yet"
    )
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "owner", team_members(team))
