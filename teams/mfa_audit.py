"""Audit events for two-factor authentication, which allauth's MFA views change.

Those views are allauth's own (we do not hand-write flows it has), and its signals are the hooks it
documents for what they did: https://docs.allauth.org/en/latest/mfa/signals.html. The receivers are
connected once, in `TeamsConfig.ready`, and do nothing but record the event.
"""

from allauth.mfa import signals

from teams.audit import audit_record


def _record(action: str, user, authenticator, **data) -> None:
    audit_record(action=action, actor=user, obj=authenticator, data={"type": authenticator.type, **data})


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _record("mfa.added", user, authenticator)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _record("mfa.removed", user, authenticator)


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _record("mfa.reset", user, authenticator)


def on_authentication_failed(sender, request, user, authenticator, **kwargs) -> None:
    _record("login.mfa_failed", user, authenticator, reauthentication=bool(kwargs.get("reauthentication")))


def connect() -> None:
    """Record every change of a person's second factors, and every wrong code."""
    signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="teams.mfa.added")
    signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid="teams.mfa.removed")
    signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="teams.mfa.reset")
    signals.authentication_failed.connect(on_authentication_failed, dispatch_uid="teams.mfa.failed")
