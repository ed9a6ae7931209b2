"""URLs GitHub calls (no login): the webhook endpoint."""

from django.urls import path

from integrations.webhooks import endpoint

app_name = "github-webhooks-public"
urlpatterns = [
    path("github/webhook/<int:connection_id>/", endpoint.github_webhook, name="receive"),
]
