import re
from typing import cast

from django import forms
from django.http import QueryDict

from core.outbound import OutboundPolicy, OutboundRefused
from integrations.alert_cards import SEVERITIES
from integrations.models import DEFAULT_API_URL, AlertCardRule
from kanban.models import Column

INTERVAL_CHOICES = [(5, "every 5 minutes"), (15, "every 15 minutes"), (30, "every 30 minutes"), (60, "every hour")]
INTERVAL_CHOICES += [(360, "every 6 hours"), (1440, "once a day")]


REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


class ConnectForm(forms.Form):
    """Connect a repository with a personal access token or a GitHub App installation."""

    repository = forms.CharField(
        required=False,
        max_length=2000,
        label="Repository (OWNER/NAME)",
        help_text="Several at once: separate them with commas or spaces, or pick them from the list below.",
        widget=forms.TextInput(attrs={"placeholder": "octocat/hello-world", "autocomplete": "off"}),
    )
    auth_kind = forms.ChoiceField(
        choices=[("token", "Token"), ("app", "GitHub App")],
        initial="token",
        widget=forms.RadioSelect,
        label="Authenticate with",
    )
    token = forms.CharField(
        required=False,
        label="Personal access token",
        help_text="Read access to issues, pull requests, actions, deployments and Dependabot alerts. Stored encrypted.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    app_id = forms.CharField(required=False, max_length=32, label="GitHub App id")
    private_key = forms.CharField(
        required=False,
        label="GitHub App private key (PEM)",
        help_text="Stored encrypted; installation tokens are fetched and refreshed from it.",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    installation_id = forms.CharField(required=False, max_length=32, label="Installation id")
    api_url = forms.URLField(
        initial=DEFAULT_API_URL,
        label="API URL",
        help_text="Change only for GitHub Enterprise Server, e.g. https://github.example.com/api/v3.",
        assume_scheme="https",
    )
    webhook_secret = forms.CharField(
        required=False,
        label="Webhook secret (optional)",
        help_text="Left empty, one is generated.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    interval = forms.TypedChoiceField(coerce=int, choices=INTERVAL_CHOICES, initial=15, label="Sync")

    def clean_api_url(self):
        api_url = self.cleaned_data["api_url"]
        try:
            OutboundPolicy.from_settings().url_check(api_url)
        except OutboundRefused as error:
            raise forms.ValidationError(error.message) from None
        return api_url

    def clean_repository(self) -> list[str]:
        """The names typed, and those ticked in the picker (`repositories`), once each in their order."""
        typed = self.cleaned_data["repository"].replace(",", " ").split()
        picked = cast(QueryDict, self.data).getlist("repositories")  # the ticked boxes of the picker
        names = list(dict.fromkeys([*typed, *picked]))
        wrong = [name for name in names if not REPOSITORY.match(name)]
        if wrong:
            raise forms.ValidationError(
                f"Write each repository as OWNER/NAME, e.g. octocat/hello-world (not {', '.join(wrong[:3])})."
            )
        if not names:
            raise forms.ValidationError("Name a repository as OWNER/NAME, or pick one from the list.")
        return names

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("auth_kind") == "token" and not data.get("token"):
            self.add_error("token", "Paste a personal access token.")
        if data.get("auth_kind") == "app":
            for name in ("app_id", "private_key", "installation_id"):
                if not data.get(name):
                    self.add_error(name, "A GitHub App needs this.")
        return data


WINDOW_CHOICES = [(30, "30 days"), (60, "60 days"), (90, "90 days"), (180, "180 days"), (365, "365 days")]


class IntervalForm(forms.Form):
    interval = forms.TypedChoiceField(coerce=int, choices=INTERVAL_CHOICES, label="Sync")
    window = forms.TypedChoiceField(
        coerce=int, choices=WINDOW_CHOICES, label="Runs and PR details of the last", required=False, empty_value=None
    )


class AlertCardRuleForm(forms.Form):
    """Which Dependabot alerts become cards: a board, and per severity a column of it (or no card)."""

    board = forms.TypedChoiceField(coerce=int, required=False, label="Board", empty_value=None)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        columns = list(Column.objects.for_team(team).select_related("board").order_by("board_id", "position"))
        cast(forms.ChoiceField, self.fields["board"]).choices = [
            ("", "Off: alerts make no cards"),
            *{c.board_id: c.board.name for c in columns}.items(),
        ]
        column_choices = [("", "No card"), *[(c.pk, f"{c.board.name} / {c.name}") for c in columns]]
        self.board_of = {c.pk: c.board_id for c in columns}
        for severity in SEVERITIES:
            self.fields[severity] = forms.TypedChoiceField(
                coerce=int,
                required=False,
                empty_value=None,
                label=f"{severity.capitalize()} alerts become cards in",
                choices=column_choices,
            )

    @classmethod
    def for_rule(cls, rule: AlertCardRule | None, *, team) -> "AlertCardRuleForm":
        initial = {"board": rule.board_id, **rule.columns} if rule else {}
        return cls(team=team, initial=initial)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for severity in SEVERITIES:
            column = data.get(severity)
            if column and self.board_of.get(column) != data.get("board"):
                self.add_error(severity, "Pick a column of the chosen board.")
        if data.get("board") and not any(data.get(severity) for severity in SEVERITIES):
            self.add_error(None, "Pick a column for at least one severity, or turn alert cards off.")
        return data

    def columns(self) -> dict[str, int]:
        return {severity: self.cleaned_data[severity] for severity in SEVERITIES if self.cleaned_data.get(severity)}
