"""Pages of the GitHub integration, mounted at /t/<team>/github/."""

from django.urls import path

from integrations.github import views

app_name = "github"
urlpatterns = [
    path("", views.index, name="index"),
    path("status/", views.status, name="status"),
    path("repository-choices/", views.repository_choices, name="repository-choices"),
    path("repositories/<int:repository_id>/sync/", views.repository_sync, name="repository-sync"),
    path("repositories/<int:repository_id>/schedule/", views.repository_schedule, name="repository-schedule"),
    path("repositories/<int:repository_id>/remove/", views.repository_remove, name="repository-remove"),
    path("alert-cards/", views.alert_cards, name="alert-cards"),
]
