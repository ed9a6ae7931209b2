from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.validators import URLValidator
from django.db.models import QuerySet

from core.forms import limit_choices
from integrations.models import Deployment
from kanban.models import Board
from postmortems.attribution import deployment_label
from postmortems.models import (
    BUILTIN_SECTIONS,
    DEFAULT_ACTION_SLO_WEEKS,
    DEFAULT_SEVERITY_LABELS,
    ActionPriority,
    PostmortemSettings,
    Severity,
    TimelineKind,
)
from teams.access import team_members
from teams.models import Team

LIST_FIELDS = ("contributing_factors", "went_well", "went_wrong", "got_lucky", "links")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LinesField(forms.CharField):
    """A list edited as a textarea, one item per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DeploymentChoiceField(forms.ModelChoiceField):
    """Deployments offered by their label (ref, environment, repository, time)."""

    def label_from_instance(self, obj: Deployment) -> str:
        return deployment_label(obj)


class NewPostmortemForm(forms.Form):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.SEV3)
    started_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Started at (UTC)")


class PostmortemForm(forms.Form):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(choices=Severity.choices)
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody yet"
    )
    started_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Started (UTC)")
    detected_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Detected (UTC)")
    mitigated_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Mitigated (UTC)")
    resolved_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Resolved (UTC)")
    caused_by_deployment = DeploymentChoiceField(
        queryset=Deployment.objects.none(),
        required=False,
        label="Caused by deployment",
        empty_label="None",
        help_text="Successful production deployments of the 24 hours before the start.",
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Impact (with numbers)")
    trigger = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contributing_factors = LinesField(required=False, help_text="One per line: conditions, not people.")
    detection = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    resolution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    went_well = LinesField(required=False, label="What went well", help_text="One per line.")
    went_wrong = LinesField(required=False, label="What went wrong", help_text="One per line.")
    got_lucky = LinesField(required=False, label="Where we got lucky", help_text="One per line.")
    tags = forms.CharField(required=False, max_length=500, help_text="Comma-separated.")
    links = LinesField(required=False, help_text="One URL per line: PRs, deployments, releases, other postmortems.")

    def __init__(
        self,
        *args: Any,
        team: Team,
        prompts: dict[str, str] | None = None,
        custom: dict[str, str] | None = None,
        deployments: QuerySet[Deployment] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "owner", team_members(team))
        limit_choices(
            self, "caused_by_deployment", deployments if deployments is not None else Deployment.objects.none()
        )
        # The team's own sections, after the built-in ones (custom: title → current text).
        self.custom_titles = list(custom or {})
        for index, title in enumerate(self.custom_titles):
            field = forms.CharField(required=False, label=title, widget=forms.Textarea(attrs={"rows": 3}))
            field.initial = (custom or {})[title]
            self.fields[f"custom_{index}"] = field
        for name, prompt in (prompts or {}).items():
            name = (
                name
                if name in self.fields
                else next((f"custom_{i}" for i, t in enumerate(self.custom_titles) if t == name), name)
            )
            if name in self.fields:
                self.fields[name].widget.attrs["placeholder"] = prompt

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def clean_links(self):
        validate = URLValidator(schemes=["http", "https"])
        for link in self.cleaned_data["links"]:
            try:
                validate(link)
            except forms.ValidationError:
                raise forms.ValidationError(f"“{link[:80]}” is not an http(s) URL.") from None
        return self.cleaned_data["links"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        data["custom_sections"] = {
            title: data.pop(f"custom_{index}", "") for index, title in enumerate(self.custom_titles)
        }
        start = data.get("started_at")
        for name in ("detected_at", "mitigated_at", "resolved_at"):
            if start and data.get(name) and data[name] < start:
                self.add_error(name, "This is before the incident started.")
        return data


class TimelineEntryForm(forms.Form):
    prefix = "entry"  # several forms share the detail page: their ids must not collide
    at = forms.DateTimeField(widget=DateTimeInput(), label="Time (UTC)")
    kind = forms.ChoiceField(choices=TimelineKind.choices, initial=TimelineKind.NOTE)
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="What happened")


class ActionItemForm(forms.Form):
    prefix = "action"
    description = forms.CharField(max_length=500)
    owner: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody yet"
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Left empty, it is due when the team's SLO for this severity says.",
    )
    priority = forms.ChoiceField(choices=ActionPriority.choices, initial=ActionPriority.NORMAL)
    board: forms.ModelChoiceField[Board] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Card on board",
        empty_label="The team's action board, if it has one",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "owner", team_members(team))
        limit_choices(self, "board", Board.objects.for_team(team))


class ReviewForm(forms.Form):
    prefix = "review"
    reviewers: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "reviewers", team_members(team))


class SettingsForm(forms.Form):
    action_board: forms.ModelChoiceField[Board] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Board for action items",
        empty_label="None: action items stay off the boards",
    )
    sev1 = forms.CharField(max_length=300, label="SEV1 means")
    sev2 = forms.CharField(max_length=300, label="SEV2 means")
    sev3 = forms.CharField(max_length=300, label="SEV3 means")
    sev4 = forms.CharField(max_length=300, label="SEV4 means")
    slo_sev1 = forms.IntegerField(min_value=1, max_value=52, label="SEV1 actions due in (weeks)")
    slo_sev2 = forms.IntegerField(min_value=1, max_value=52, label="SEV2 actions due in (weeks)")
    slo_sev3 = forms.IntegerField(min_value=1, max_value=52, label="SEV3 actions due in (weeks)")
    slo_sev4 = forms.IntegerField(min_value=1, max_value=52, label="SEV4 actions due in (weeks)")
    blame_phrases = LinesField(required=False, help_text="One per line; highlighted while writing (advisory).")
    sections = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Template sections",
        help_text="One per line as “section: prompt”. summary, impact, trigger, detection and resolution are "
        "built in; any other name adds a section of the team's own to new postmortems.",
    )
    severity_label = forms.CharField(max_length=100, label="Alert label carrying the severity")
    severity_labels = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Alert label values",
        help_text="One per line as “value: SEV1”.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "action_board", Board.objects.for_team(team))

    @staticmethod
    def _pairs(text: str) -> list[tuple[str, str]]:
        pairs = []
        for line in text.splitlines():
            if line.strip():
                key, sep, value = line.partition(":")
                if not sep or not key.strip() or not value.strip():
                    raise forms.ValidationError(f"“{line[:60]}” is not “name: value”.")
                pairs.append((key.strip(), value.strip()))
        return pairs

    def clean_sections(self):
        pairs = self._pairs(self.cleaned_data["sections"])
        for field, _ in pairs:
            if len(field) > 100:
                raise forms.ValidationError("A section name has at most 100 characters.")
        return [
            {"field": field.lower() if field.lower() in BUILTIN_SECTIONS else field, "prompt": prompt}
            for field, prompt in pairs
        ]

    def clean_severity_labels(self):
        pairs = self._pairs(self.cleaned_data["severity_labels"])
        for _, severity in pairs:
            if severity.upper() not in Severity.values:
                raise forms.ValidationError(f"“{severity}” is not one of {', '.join(Severity.values)}.")
        return {value: severity.upper() for value, severity in pairs}

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "action_board": data["action_board"],
            "severity_descriptions": {f"SEV{n}": data[f"sev{n}"] for n in range(1, 5)},
            "action_slo_weeks": {f"SEV{n}": data[f"slo_sev{n}"] for n in range(1, 5)},
            "blame_phrases": data["blame_phrases"],
            "sections": data["sections"],
            "severity_label": data["severity_label"],
            "severity_labels": data["severity_labels"],
        }

    @classmethod
    def initial_for(cls, found: PostmortemSettings) -> dict[str, Any]:
        descriptions = found.all_severity_descriptions()
        weeks = {**DEFAULT_ACTION_SLO_WEEKS, **found.action_slo_weeks}
        labels = {**DEFAULT_SEVERITY_LABELS, **found.severity_labels}
        return {
            "action_board": found.action_board_id,
            **{f"sev{n}": descriptions[f"SEV{n}"] for n in range(1, 5)},
            **{f"slo_sev{n}": weeks[f"SEV{n}"] for n in range(1, 5)},
            "blame_phrases": "\n".join(found.phrases()),
            "sections": "\n".join(f"{s['field']}: {s['prompt']}" for s in found.template_sections()),
            "severity_label": found.severity_label,
            "severity_labels": "\n".join(f"{k}: {v}" for k, v in labels.items()),
        }
