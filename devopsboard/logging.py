"""Structured logging: every line is one JSON object carrying the request or task id."""

import logging
import time

import structlog
from django.contrib.auth import SESSION_KEY
from django.utils.functional import SimpleLazyObject

# A key containing any of these names a secret (github_token, webhook_secret, HTTP_AUTHORIZATION, ...).
SECRET_WORDS = ("token", "password", "secret", "private_key", "authorization", "api_key", "cookie", "signature")


def _is_secret(key) -> bool:
    return isinstance(key, str) and any(word in key.lower() for word in SECRET_WORDS)


def _redacted(value):
    if isinstance(value, dict):
        return {key: "[redacted]" if _is_secret(key) else _redacted(item) for key, item in value.items()}
    return value


def redact_secrets(logger, method_name, event_dict):
    """Replace values of keys that name a secret, at any depth, so a careless log call leaks nothing."""
    for key in list(event_dict):
        event_dict[key] = "[redacted]" if _is_secret(key) else _redacted(event_dict[key])
    return event_dict


def configure_logging(*, level: str, fmt: str) -> dict:
    """Configure structlog and return the matching `LOGGING` dict for Django."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
                "foreign_pre_chain": shared,
            }
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.server": {"level": logging.getLevelName(logging.WARNING)},
            # On the console (development) ShortRequestLogMiddleware writes one line per request instead
            # of django-structlog's two (started, finished); its warnings and errors still show.
            "django_structlog": {"level": logging.getLevelName(logging.WARNING) if fmt == "console" else level},
            # Apprise's lines quote channel URLs (webhook tokens): notifications/client.py captures them for
            # its own plain-words error and nothing of them reaches the log.
            "apprise": {"handlers": ["discard"], "propagate": False},
            # urllib3 logs every request line at DEBUG, path included: a webhook URL's path is its secret.
            "urllib3": {"level": logging.getLevelName(logging.WARNING)},
        },
    }


class TeamLogContextMiddleware:
    """Add the team of a `/t/<team>/...` or `/api/v1/teams/<team>/...` request, and the user, to its log lines.

    django-structlog carries the bound context into the tasks the request enqueues, so their
    lines name the team and the user too. The user id is the session's (no user row is read for
    it); an API request authenticated by token has its user bound once the view has run. A live
    poll's lines name no user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF puts the user it authenticated on the request: a concrete user, no longer the lazy one.
        user = request.__dict__.get("user")
        if user is not None and type(user) is not SimpleLazyObject and user.is_authenticated:
            structlog.contextvars.bind_contextvars(user_id=user.pk)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A live poll (core.live.live_poll) is answered from one cache read; loading the session here would
        # be a second. Its lines carry no user id.
        session = getattr(request, "session", None)
        poll = getattr(view_func, "live_poll", False)
        user_id = session.get(SESSION_KEY) if session is not None and not poll else None
        if user_id is not None:
            structlog.contextvars.bind_contextvars(user_id=int(user_id))
        team = view_kwargs.get("team")
        if isinstance(team, str):
            structlog.contextvars.bind_contextvars(team=team)
        return None


class ShortRequestLogMiddleware:
    """On the console (`LOG_FORMAT=console`, development's default): one short line per request.

    `GET /t/demo/ 200 12 ms`. A GET answered 204 or 304 (a live board or retro polling every 2 s
    and finding nothing new) writes nothing: only polls that change something show.
    """

    logger = logging.getLogger("devopsboard.requests")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if settings.LOG_FORMAT != "console":
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code in (204, 304):
            return response
        elapsed = (time.monotonic() - started) * 1000
        self.logger.info("%s %s %s %.0f ms", request.method, request.get_full_path(), response.status_code, elapsed)
        return response
