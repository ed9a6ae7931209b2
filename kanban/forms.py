from typing import cast

from django import forms
from django.contrib.auth import get_user_model

from kanban.models import Card, Column, Label, LabelColor, Priority, Swimlane, WipMode
from teams.access import team_members


class BoardForm(forms.Form):
    name = forms.CharField(max_length=100, label="Board name")
    columns = forms.CharField(
        max_length=500,
        initial="To do, Doing, Review, Done",
        help_text="Comma-separated, left to right. The last one is the done column.",
    )

    def column_specs(self) -> list[dict]:
        names = [name.strip() for name in self.cleaned_data["columns"].split(",") if name.strip()]
        return [{"name": name[:60], "is_done": index == len(names) - 1} for index, name in enumerate(names)]

    def clean_columns(self):
        names = [name.strip() for name in self.cleaned_data["columns"].split(",") if name.strip()]
        if len(names) < 2:
            raise forms.ValidationError("Give at least two columns, e.g. “To do, Done”.")
        return self.cleaned_data["columns"]


class BoardSettingsForm(forms.Form):
    name = forms.CharField(max_length=100, label="Board name")
    archive_after_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Archive done cards after (days)",
        help_text="Leave empty to keep done cards on the board.",
    )


class ColumnForm(forms.ModelForm):
    class Meta:
        model = Column
        fields = ["name", "wip_limit", "wip_mode", "is_done", "position"]
        labels = {"wip_limit": "WIP limit", "wip_mode": "WIP mode", "is_done": "Done column"}
        help_texts = {"wip_limit": "Leave empty for no limit."}


class SwimlaneForm(forms.ModelForm):
    class Meta:
        model = Swimlane
        fields = ["name", "wip_limit", "wip_mode"]
        labels = {"wip_limit": "WIP limit", "wip_mode": "WIP mode"}
        help_texts = {"wip_limit": "Leave empty for no limit."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wip_mode"].initial = WipMode.SOFT


class LabelForm(forms.Form):
    name = forms.CharField(max_length=40, label="Label name")
    color = forms.ChoiceField(choices=LabelColor.choices, initial=LabelColor.BLUE, label="Colour")


class QuickAddForm(forms.Form):
    title = forms.CharField(max_length=200, label="New card title")


class CardForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="Markdown is supported."
    )
    priority = forms.ChoiceField(choices=Priority.choices)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignees = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False)
    labels = forms.ModelMultipleChoiceField(queryset=Label.objects.none(), required=False)
    blocked = forms.BooleanField(required=False)
    blocked_reason = forms.CharField(max_length=300, required=False, label="Blocked because")

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["assignees"]).queryset = team_members(team)
        cast(forms.ModelMultipleChoiceField, self.fields["labels"]).queryset = Label.objects.for_team(team)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("blocked") and not (data.get("blocked_reason") or "").strip():
            self.add_error("blocked_reason", "Say why the card is blocked, so others know what it waits for.")
        return data

    @classmethod
    def for_card(cls, card: Card, data=None):
        initial = {
            "title": card.title,
            "description": card.description,
            "priority": card.priority,
            "due_date": card.due_date,
            "assignees": list(card.assignees.all()),
            "labels": list(card.labels.all()),
            "blocked": card.blocked,
            "blocked_reason": card.blocked_reason,
        }
        return cls(data, team=card.team, initial=initial)


class MoveForm(forms.Form):
    """Where to put a card, for the board page and the API alike.

    A column and an index (`position`, 0 = top; or `place`, 1 = top, as the page shows it),
    or next to another card (`after` / `before`, which win while that card is in the column).
    """

    # An id, not a ModelChoiceField: the move locks and checks the column anyway (one query less).
    column = forms.IntegerField(min_value=1)
    position = forms.IntegerField(min_value=0, required=False, initial=0, help_text="0 is the top.")
    place = forms.IntegerField(min_value=1, required=False, label="Position", help_text="1 is the top.")
    swimlane = forms.ModelChoiceField(queryset=Swimlane.objects.none(), required=False)
    after = forms.IntegerField(required=False, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, board_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["swimlane"]).queryset = Swimlane.objects.filter(board_id=board_id)

    def move_kwargs(self) -> dict:
        """The keyword arguments of `kanban.services.card_move`; the swimlane only when it was sent."""
        data = self.cleaned_data
        position = data["place"] - 1 if data.get("place") else data.get("position") or 0
        kwargs = {
            "column": data["column"],
            "position": position,
            "after_id": data.get("after"),
            "before_id": data.get("before"),
        }
        if "swimlane" in self.data:
            kwargs["swimlane"] = data.get("swimlane")
        return kwargs

    def error_text(self) -> str:
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment", max_length=10_000)


class ChecklistItemForm(forms.Form):
    text = forms.CharField(max_length=200, label="New checklist item")
