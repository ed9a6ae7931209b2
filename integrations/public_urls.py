"""URLs GitHub calls (no login): the webhook endpoint."""

from django.urls import path

from integrations import webhooks

app_name = "integrations-public"
urlpatterns = [
    path("github/webhook/<int:connection_id>/", webhooks.github_webhook, name="github-webhook"),
]
