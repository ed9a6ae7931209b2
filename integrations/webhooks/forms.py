"""Forms of the webhooks page."""

from typing import cast

from django import forms

from integrations.webhooks.automation import AUTOMATION_STEPS
from kanban.models import Column


class AutomationForm(forms.Form):
    board = forms.TypedChoiceField(coerce=int, required=False, label="Board", empty_value=None)
    label = forms.CharField(
        max_length=100,
        required=False,
        label="Label that makes an issue a card",
        help_text="Leave empty and issues become cards only when someone adds them.",
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        columns = list(Column.objects.for_team(team).select_related("board").order_by("board_id", "position"))
        boards = {c.board_id: c.board.name for c in columns}
        cast(forms.ChoiceField, self.fields["board"]).choices = [
            ("", "Off: events do not touch any board"),
            *boards.items(),
        ]
        column_choices = [("", "Do not move"), *[(c.pk, f"{c.board.name} / {c.name}") for c in columns]]
        self.board_of = {c.pk: c.board_id for c in columns}
        for step, text in AUTOMATION_STEPS.items():
            self.fields[step] = forms.TypedChoiceField(
                coerce=int, required=False, empty_value=None, label=text, choices=column_choices
            )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        board = data.get("board")
        for step in AUTOMATION_STEPS:
            column = data.get(step)
            if column and self.board_of.get(column) != board:
                self.add_error(step, "Pick a column of the chosen board.")
        return data

    def automation(self) -> dict:
        data = self.cleaned_data
        if not data.get("board"):
            return {}
        columns = {step: data[step] for step in AUTOMATION_STEPS if data.get(step)}
        return {"board": data["board"], "label": data.get("label", "").strip(), "columns": columns}
