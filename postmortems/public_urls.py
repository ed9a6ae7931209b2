"""URLs Alertmanager calls (bearer token, no login)."""

from django.urls import path

from postmortems import intake

app_name = "alertmanager"
urlpatterns = [path("<slug:team>/", intake.alertmanager_webhook, name="webhook")]
