"""Issue and revoke API tokens."""

from datetime import datetime

from django.contrib.auth.models import User

from core.errors import DomainError
from teams.audit import audit_record
from tokens.models import PREFIX_LENGTH, ApiToken, key_digest, key_generate


class TokenError(DomainError):
    """A token that cannot be issued; the message says why."""


def _check_within(creator: ApiToken, *, expires_at: datetime | None, read_only: bool) -> None:
    """A token may only create tokens that expire no later and may do no more than itself."""
    if creator.read_only and not read_only:
        raise TokenError("A read-only token can only create read-only tokens.")
    if creator.expires_at is not None and (expires_at is None or expires_at > creator.expires_at):
        raise TokenError(
            f"The token making this request expires at {creator.expires_at:%Y-%m-%d %H:%M} UTC: "
            "a token it creates must expire no later (set expires_in_days accordingly)."
        )


def token_create(
    *,
    user: User,
    name: str = "",
    expires_at: datetime | None = None,
    read_only: bool = False,
    created_with: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with its key, which exists nowhere else from now on.

    `created_with` is the token that authenticated the request, if one did: the new token may not
    outlive it nor have more rights, and goes when it is revoked.
    """
    if created_with is not None:
        _check_within(created_with, expires_at=expires_at, read_only=read_only)
    key = key_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:PREFIX_LENGTH],
        digest=key_digest(key),
        expires_at=expires_at,
        read_only=read_only,
        parent=created_with,
    )
    audit_record(action="token.created", actor=user, obj=token, data={"read_only": read_only})
    return token, key


def token_revoke(*, token: ApiToken, by: User) -> None:
    """Delete `token`: requests carrying its key are refused from now on."""
    audit_record(action="token.revoked", actor=by, obj=token, data={"prefix": token.prefix})
    token.delete()
