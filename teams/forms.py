import zoneinfo
from typing import cast

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.conf import settings

from teams.login_limits import forget_failures, note_failure, second_factor_keys, throttled
from teams.models import Role


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")


class LoginForm(AllauthLoginForm):
    """allauth's login form with the field named `username`, as the login URL has always taken it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields: dict[str, forms.Field] = dict(self.fields)  # type: ignore[has-type]  # allauth leaves it untyped
        self.fields = {("username" if name == "login" else name): field for name, field in fields.items()}
        self.fields["username"].label = "Username or e-mail"

    def clean(self):
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"].strip()
        return super().clean()


class SignupForm(AllauthSignupForm):
    first_name = forms.CharField(
        max_length=150, required=False, label="Display name", help_text="How your team sees you, e.g. Ada Lovelace."
    )
    field_order = ["email", "first_name", "username", "password1", "password2"]


EXPIRY_CHOICES = [(1, "1 day"), (7, "7 days"), (30, "30 days")]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        required=False, label="E-mail address", help_text="Leave empty for a link to share (several people may use it)."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    # Absent (an older client or script): the former fixed 7 days.
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, coerce=int, initial=7, empty_value=None, required=False, label="Valid for"
    )
    max_uses = forms.IntegerField(min_value=1, max_value=500, initial=1, label="Uses", required=False)

    def clean(self):
        data = super().clean() or {}
        # A personal invitation admits one person; a shared link as many as the owner chose.
        data["max_uses"] = 1 if data.get("email") else (data.get("max_uses") or 1)
        data["expires_in_days"] = data.get("expires_in_days") or 7
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        max_length=150,
        required=False,
        label="Display name",
        help_text="How your team sees you, e.g. Ada Lovelace. Empty: your username.",
    )
    time_zone = forms.ChoiceField(
        required=False, label="Time zone", help_text="Every date and time on the pages you see is shown in it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices built per form: the zones Python knows can change with an update of tzdata.
        zones = [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]
        default = ("", f"The server's ({settings.TIME_ZONE})")
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [default, *zones]


class TwoFactorForm(AuthenticateForm):
    """allauth's second-factor step (a TOTP or recovery code), refusing after LOGIN_RATE_LIMIT wrong codes.

    allauth's own limit on wrong codes is its `login_failed` rate, which settings.py turns off because it
    keys wrong passwords on the username alone; codes are counted here as passwords are (teams/login_limits.py).
    """

    def clean_code(self):
        keys = second_factor_keys(context.request, self.user)
        if throttled(keys):
            minutes = max(1, settings.LOGIN_RATE_WINDOW // 60)
            raise forms.ValidationError(f"Too many wrong codes from here. Wait {minutes} minutes and try again.")
        try:
            code = super().clean_code()
        except forms.ValidationError:
            note_failure(keys)
            raise
        forget_failures(keys[0])
        return code
