from django import forms

from teams.models import Role


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")


class InvitationForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
