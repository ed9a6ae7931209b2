"""Login with a failure rate limit, and audit events for logins and failed logins."""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.shortcuts import render

from teams.audit import audit_record, client_ip


def _keys(request) -> list[str]:
    username = request.POST.get("username", "").strip().lower()
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:ip:{client_ip(request)}"]


def _failures(keys: list[str]) -> int:
    return max((cache.get(k, 0) for k in keys), default=0)


def _note_failure(keys: list[str]) -> None:
    for key in keys:
        # add() starts the window; incr() keeps its expiry, so the window does not slide.
        if not cache.add(key, 1, timeout=settings.LOGIN_RATE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=settings.LOGIN_RATE_WINDOW)


class LoginView(auth_views.LoginView):
    """Django's login, refusing with 429 after LOGIN_RATE_LIMIT failures per user or address."""

    def post(self, request, *args, **kwargs):
        keys = _keys(request)
        if _failures(keys) >= settings.LOGIN_RATE_LIMIT:
            audit_record(action="login.throttled", data={"username": request.POST.get("username", "")[:150]})
            response = render(
                request,
                "registration/login.html",
                {"form": self.get_form(), "throttled": True, "retry_after": settings.LOGIN_RATE_WINDOW},
                status=429,
            )
            response["Retry-After"] = str(settings.LOGIN_RATE_WINDOW)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        for key in _keys(self.request)[:1]:
            cache.delete(key)
        audit_record(action="login.succeeded", actor=form.get_user())
        return response

    def form_invalid(self, form):
        _note_failure(_keys(self.request))
        audit_record(action="login.failed", data={"username": self.request.POST.get("username", "")[:150]})
        return super().form_invalid(form)
