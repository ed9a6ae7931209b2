"""Issue and revoke API tokens."""

from datetime import datetime

from django.contrib.auth.models import User

from teams.audit import audit_record
from tokens.models import PREFIX_LENGTH, ApiToken, key_digest, key_generate


def token_create(*, user: User, name: str = "", expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with its key, which exists nowhere else from now on."""
    key = key_generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:PREFIX_LENGTH], digest=key_digest(key), expires_at=expires_at
    )
    audit_record(action="token.created", actor=user, obj=token)
    return token, key


def token_revoke(*, token: ApiToken, by: User) -> None:
    """Delete `token`: requests carrying its key are refused from now on."""
    audit_record(action="token.revoked", actor=by, obj=token, data={"prefix": token.prefix})
    token.delete()
