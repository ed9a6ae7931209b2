"""The API router: every app's viewsets under /api/v1/, and JSON errors everywhere."""

import structlog
from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.outages import outage_answer
from dashboard import api as dashboard_api
from integrations.github import api as integrations_api
from integrations.webhooks import api as webhook_api
from kanban import api as kanban_api
from notifications import api as notifications_api
from postmortems import api as postmortems_api
from retros import api as retros_api
from teams.api import TeamViewSet
from tokens.api import ApiTokenViewSet

logger = structlog.get_logger(__name__)
SERVER_ERROR = "Something went wrong on our side; it has been logged."

TEAM_PREFIX = r"teams/(?P<team>[-a-zA-Z0-9_]+)/"

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("notifications", notifications_api.NotificationViewSet, basename="notification")
# Each app's api.py lists its team-scoped routes as (prefix, viewset, basename).
for module in (
    kanban_api,
    integrations_api,
    webhook_api,
    dashboard_api,
    postmortems_api,
    retros_api,
    notifications_api,
):
    for prefix, viewset, basename in module.routes:
        router.register(TEAM_PREFIX + prefix, viewset, basename=basename)


def _domain_api_exception(error: DomainError) -> exceptions.APIException:
    """The API form of a domain refusal: its own status, its message as `detail`."""
    api_error = exceptions.APIException(error.detail)
    api_error.status_code = error.status_code
    return api_error


def exception_handler(exc, context):
    """DRF's handler, with every error as JSON carrying a human-readable `detail`."""
    if isinstance(exc, DomainError):
        exc = _domain_api_exception(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _unavailable(exc, context) or _server_error(exc, context)
    if isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "The request has invalid fields; see the per-field messages.", **response.data}
    elif isinstance(response.data, list):
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    return response


def _unavailable(exc: Exception, context: dict) -> HttpResponse | None:
    """503 with `Retry-After` and a JSON `detail` when the database, Redis or the broker is down; else None."""
    request = getattr(context.get("request"), "_request", None)
    return outage_answer(request, exc) if request is not None else None


def _server_error(exc: Exception, context: dict) -> Response:
    """A JSON 500 for an unexpected error, even with DEBUG on (Django's debug page is HTML).

    Logged with its traceback and announced like Django's own 500s, so error reporters still see it.
    """
    request = getattr(context.get("request"), "_request", None)
    logger.error("api.server_error", path=getattr(request, "path", ""), exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    return Response({"detail": SERVER_ERROR}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
