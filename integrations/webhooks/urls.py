"""Pages of webhook ingestion, mounted at /t/<team>/github/webhooks/."""

from django.urls import path

from integrations.webhooks import views as webhook_views

app_name = "github-webhooks"
urlpatterns = [
    path("", webhook_views.index, name="index"),
    path("<int:connection_id>/secret/", webhook_views.secret_reveal, name="secret-reveal"),
    path("<int:connection_id>/automation/", webhook_views.automation_update, name="automation"),
    path("deliveries/<int:delivery_id>/replay/", webhook_views.delivery_replay, name="delivery-replay"),
]
