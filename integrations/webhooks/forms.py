"""Forms of the webhooks page."""

from django import forms

from integrations.webhooks.automation import AUTOMATION_STEPS
from kanban.models import Column


class AutomationForm(forms.Form):
    board = forms.TypedChoiceField(coerce=int, required=False, label="Board", empty_value=None)
    label = forms.CharField(
        max_length=100,
        required=False,
        label="Label that makes an issue a card",
        help_text="Empty: issues never become cards by themselves.",
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        columns = list(Column.objects.for_team(team).select_related("board").order_by("board_id", "position"))
        boards = {c.board_id: c.board.name for c in columns}
        self.fields["board"].choices = [("", "Off: events do not touch any board"), *boards.items()]
        column_choices = [("", "Do not move"), *[(c.pk, f"{c.board.name} / {c.name}") for c in columns]]
        self.board_of = {c.pk: c.board_id for c in columns}
        for step, text in AUTOMATION_STEPS.items():
            self.fields[step] = forms.TypedChoiceField(
                coerce=int, required=False, empty_value=None, label=text, choices=column_choices
            )

    def clean(self):
        data = super().clean()
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
