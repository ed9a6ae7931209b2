from typing import Any

from django import forms

from core.events import Event
from notifications.models import PERSONAL_EVENTS, WEBHOOK_EVENTS, default_events


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.CharField(
        label="Channel URL",
        max_length=2000,
        # Never sent back to the browser: the stored URL holds the service's token.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            "The service's incoming-webhook URL (https://hooks.slack.com/services/…, a Discord or Mattermost "
            "webhook) or an Apprise URL: slack://, workflows:// (Microsoft Teams), mmosts://, discord://, "
            "rockets://, matrixs://, mailtos://, jsons://. Stored encrypted and never shown again."
        ),
    )
    events = forms.MultipleChoiceField(
        choices=Event.choices, widget=forms.CheckboxSelectMultiple, required=False, initial=default_events
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["url"].required = False
            self.fields["url"].help_text = "Leave empty to keep the current URL. " + str(self.fields["url"].help_text)


class WebhookForm(forms.Form):
    url = forms.URLField(label="Payload URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(event, Event(event).label) for event in WEBHOOK_EVENTS], widget=forms.CheckboxSelectMultiple
    )


# How each personal event reads to the person choosing their e-mails.
PERSONAL_LABELS = {
    Event.MENTIONED: "Someone @mentions me in a card comment or a postmortem",
    Event.POSTMORTEM_REVIEW_REQUESTED: "I am asked to review a postmortem",
    Event.ACTION_ITEM_DUE_SOON: "An action item I own is due in 3 days",
    Event.ACTION_ITEM_OVERDUE: "An action item I own is overdue",
}


class EmailPreferenceForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="E-mail me when",
        choices=[(event, PERSONAL_LABELS[event]) for event in PERSONAL_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Every one of these also lands in your inbox in the app, e-mail or not.",
    )
