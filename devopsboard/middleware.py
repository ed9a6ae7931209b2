"""Request guards that apply to every URL."""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "The request contains a NUL character (%00 or \\u0000); remove it and try again."


def _refuse(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE}, status=400)
    return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")


class RejectNulBytesMiddleware:
    """Answer 400 to a URL or form body carrying a NUL character.

    PostgreSQL text cannot hold NUL, so a value like `?branch=%00` or a form field with one would
    otherwise end in a database error (a 500) wherever it reaches a query. JSON bodies are checked
    by the API's parser (devopsboard.parsers.JSONParser). The webhook endpoint reads its own raw body
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
