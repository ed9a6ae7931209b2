"""Request guards that apply to every URL."""

import logging

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve

from core.outages import outage_answer
from devopsboard import views

logger = logging.getLogger("django.request")

MESSAGE = "The request contains a NUL character (%00 or \\u0000); remove it and try again."


def _refuse(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE}, status=400)
    return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")


class RejectNulBytesMiddleware:
    """Answer 400 to a URL or form body carrying a NUL character.

    PostgreSQL text cannot hold NUL, so a value like `?branch=%00` or a form field with one would
    otherwise end in a database error (a 500) wherever it reaches a query. JSON bodies are checked
    by the API's parser (core.parsers.JSONParser). The webhook endpoint reads its own raw body
    and stores it as bytes, so its body is left alone here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            return _refuse(request)
        if request.method in ("POST", "PUT", "PATCH") and not request.path.startswith("/integrations/"):
            content_type = request.META.get("CONTENT_TYPE", "")
            # An encoded NUL is exactly %00 (a typed "%00" is sent as %2500); we take no file uploads.
            if content_type.startswith("application/x-www-form-urlencoded") and b"%00" in request.body:
                return _refuse(request)
            if content_type.startswith("multipart/form-data") and b"\x00" in request.body:
                return _refuse(request)
        return self.get_response(request)


class ProductErrorPagesMiddleware:
    """With DEBUG on, answer a missing page or a crash with the app's own 404 and 500 pages.

    `make run` runs with DEBUG on, and people trying the product should see the product, not
    Django's URL list or traceback page. Developers who want those set DJANGO_DEBUG_PAGES=1 and
    this middleware steps aside; the traceback of a crash is logged either way. With DEBUG off
    Django already answers with the handlers in devopsboard.urls.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _active(self) -> bool:
        return settings.DEBUG and not settings.DEBUG_PAGES

    def __call__(self, request):
        if self._active():
            # Django shows its URL list for a path no pattern matches before any view or
            # process_exception runs, so the path is resolved here first.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return views.error_404(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not self._active():
            return None
        outage = outage_answer(request, exception)
        if outage is not None:
            return outage
        if isinstance(exception, Http404):
            return views.error_404(request, exception)
        if isinstance(exception, (PermissionDenied, BadRequest, SuspiciousOperation)):
            # Refusals, not crashes: Django answers them 403/400 (handler403 is ours) as with DEBUG off.
            return None
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return views.error_500(request)


# Probes answer for themselves: /healthz needs no database, /readyz reports what is down.
UNGUARDED_PATHS = ("/healthz", "/readyz", "/metrics")


class ServiceUnavailableMiddleware:
    """Answer 503 with `Retry-After` when PostgreSQL, Redis or the broker is down, not a 500 (core.outages).

    It reads the session before the view (`process_view`, which may answer), where a failure can be
    answered, rather than in the middlewares after it (the request log takes the user id from it)
    where Django would turn it into a 500 with a traceback per request. The user row is left to the
    views that need it. A live poll (`core.live.live_poll`) reads its session itself, in the one cache
    read that answers it, and copes with an outage by taking the full path, whose failures reach
    `process_exception`. Errors in views are answered by `process_exception`; the API's exception
    handler and the 500 handler answer through the same helper.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(UNGUARDED_PATHS) or getattr(view_func, "live_poll", False):
            return None
        try:
            request.session.get(SESSION_KEY)  # loads the session now (the cache, else the database)
        except Exception as error:
            outage = outage_answer(request, error)
            if outage is None:
                raise
            return outage
        return None

    def process_exception(self, request, exception):
        return outage_answer(request, exception)
