"""allauth's login with our failure rate limit, and its password reset off when no mail can go out."""

from allauth.account import views as allauth_views
from django.conf import settings
from django.shortcuts import render

from teams.audit import audit_record
from teams.login_limits import forget_failures, note_failure, password_keys, throttled


class LoginView(allauth_views.LoginView):
    """allauth's login, refusing with 429 after LOGIN_RATE_LIMIT failures per user and address or per address."""

    def post(self, request, *args, **kwargs):
        keys = password_keys(request)
        if throttled(keys):
            audit_record(action="login.throttled", data={"username": request.POST.get("username", "")[:150]})
            context = self.get_context_data(throttled=True, retry_after=settings.LOGIN_RATE_WINDOW)
            response = render(request, "account/login.html", context, status=429)
            response["Retry-After"] = str(settings.LOGIN_RATE_WINDOW)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The password was right: this user's counter from this address starts again (the
        # address's own counter stays, so a known account cannot be used to reset it).
        forget_failures(password_keys(self.request)[0])
        return super().form_valid(form)

    def form_invalid(self, form):
        note_failure(password_keys(self.request))
        audit_record(action="login.failed", data={"username": self.request.POST.get("username", "")[:150]})
        return super().form_invalid(form)


CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def password_reset_available() -> bool:
    """Reset links go out by mail; in production without mail they would only reach the logs."""
    return settings.DEBUG or settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND


def mail_configured() -> bool:
    """Whether mail reaches people (EMAIL_URL set, or another real backend in tests)."""
    return settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND


class PasswordResetView(allauth_views.PasswordResetView):
    """allauth's password reset, off (and saying so) when the server cannot send mail."""

    def dispatch(self, request, *args, **kwargs):
        if not password_reset_available():
            status = 200 if request.method in ("GET", "HEAD") else 403
            return render(request, "account/password_reset_off.html", status=status)
        return super().dispatch(request, *args, **kwargs)
