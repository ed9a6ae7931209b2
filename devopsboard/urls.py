from allauth.account import views as allauth_views
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from devopsboard import views
from devopsboard.api import router
from notifications.views import email_settings
from teams.auth_views import LoginView, PasswordResetView
from teams.views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Accounts are django-allauth's; the names and paths the app had before stay as aliases.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/", PasswordResetView.as_view()),
    path("accounts/password_change/", allauth_views.password_change, name="password_change"),
    path("accounts/", include("allauth.urls")),
    path("settings/tokens/", include("tokens.urls")),
    path("settings/notifications/", email_settings, name="notification-settings"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI styles itself inline; its scripts still come only from our own origin.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("t/<slug:team>/", include("dashboard.urls")),
    path("", include("teams.urls")),
    path("t/<slug:team>/board/", include("kanban.urls")),
    path("t/<slug:team>/postmortems/", include("postmortems.urls")),
    path("t/<slug:team>/retros/", include("retros.urls")),
    path("t/<slug:team>/notifications/", include("notifications.urls")),
    path("t/<slug:team>/github/webhooks/", include("integrations.webhooks.urls")),
    path("t/<slug:team>/github/", include("integrations.github.urls")),
    path("integrations/alertmanager/", include("postmortems.public_urls")),
    path("integrations/", include("integrations.webhooks.public_urls")),
    path("badges/", include("dashboard.public_urls")),
]

handler403 = views.error_403
handler404 = views.error_404
handler500 = views.error_500
