"""Deployment checks: what must be set before the app serves real traffic."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs, **kwargs):
    """`check --deploy` names a missing DJANGO_SECRET_KEY or FIELD_ENCRYPTION_KEY."""
    problems: list[CheckMessage] = []
    if settings.SECRET_KEY_MISSING:
        problems.append(
            Error("DJANGO_SECRET_KEY is not set.", hint="Set it to a long random string.", id="devopsboard.E001")
        )
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(
            Warning(
                "FIELD_ENCRYPTION_KEY is not set: secrets at rest are encrypted with a key derived from SECRET_KEY.",
                hint="Set it to a Fernet key (see .env.example), then run `manage.py rotate_field_encryption`.",
                id="devopsboard.W001",
            )
        )
    return problems


def refuse_to_serve_without_secret_key() -> None:
    """Stop a web process (wsgi/asgi) from starting on a throwaway key."""
    if settings.SECRET_KEY_MISSING:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development) before serving.")
