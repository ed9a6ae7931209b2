"""How django-allauth fits the app: who may sign up, what joining from an invitation does, audit events."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from core import fields
from core.errors import DomainError
from teams.audit import audit_record
from teams.models import Invitation
from teams.services import invitation_accept

# The invitation a visitor opened before signing up; joining happens once the account exists.
INVITATION_SESSION_KEY = "invitation_token"
# The team an account just joined from its invitation: where its first page is.
JOINED_SESSION_KEY = "joined_team_url"


def pending_invitation(request: HttpRequest) -> Invitation | None:
    """The usable invitation this visitor opened, if any."""
    token = request.session.get(INVITATION_SESSION_KEY)
    if not token:
        return None
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    return invitation if invitation is not None and invitation.is_usable() else None


def _join_pending_team(request: HttpRequest, user) -> None:
    token = request.session.pop(INVITATION_SESSION_KEY, None)
    if not token:
        return
    try:
        membership = invitation_accept(token=token, by=user)
    except DomainError:
        return  # expired or used up meanwhile: the account exists, the team asks again
    request.session[JOINED_SESSION_KEY] = membership.team.get_absolute_url()


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": "That username and password do not match. Check both and try again.",
        "email_password_mismatch": "That e-mail address and password do not match. Check both and try again.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """SIGNUP_POLICY: anyone (open), nobody with a password (sso), or whoever holds an invitation."""
        if settings.SIGNUP_POLICY == "open":
            return True
        if settings.SIGNUP_POLICY == "sso":
            return False
        return pending_invitation(request) is not None

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            audit_record(action="account.signed_up", actor=user, data={"method": "password"})
            _join_pending_team(request, user)
        return user

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return request.session.pop(JOINED_SESSION_KEY, None) or super().get_signup_redirect_url(request)

    def login(self, request: HttpRequest, user) -> None:
        super().login(request, user)
        audit_record(action="login.succeeded", actor=user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        """GitHub and OpenID Connect may create accounts unless sign-up is by invitation only."""
        if settings.SIGNUP_POLICY in ("open", "sso"):
            return True
        return pending_invitation(request) is not None

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        audit_record(action="account.signed_up", actor=user, data={"method": sociallogin.account.provider})
        _join_pending_team(request, user)
        return user

    def authenticate_by_email(self, sociallogin):
        """The account a social sign-in joins: one that proved to us it owns an address the provider vouches for.

        allauth's own match also takes an account whose address was never verified here, wipes its
        password and signs the provider's user in, so a GitHub account bearing an address someone
        typed at sign-up (or an admin entered) took that account over. Such a sign-in gets an account
        of its own instead, and the existing one keeps its password.
        """
        for email in (address.email for address in sociallogin.email_addresses if address.verified):
            if not self.can_authenticate_by_email(sociallogin, email):
                continue
            owner = EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True).first()
            if owner is not None:
                return owner.user, email
        return None

    def populate_user(self, request: HttpRequest, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # GitHub logins and OIDC preferred names may collide with ours: a free variant is picked.
        if user.username and get_user_model().objects.filter(username__iexact=user.username).exists():
            user.username = ""
        return user


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted with FIELD_ENCRYPTION_KEY, like every other secret at rest."""

    def encrypt(self, text: str) -> str:
        return fields.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return fields.decrypt(encrypted_text)
