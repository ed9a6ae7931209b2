from django.urls import path

from dashboard import views

app_name = "badges"
urlpatterns = [
    path("<slug:team>/dora/deployment-frequency.svg", views.badge_dora, name="dora"),
    path("<slug:team>/<str:owner>/<str:repo>/<str:workflow>.svg", views.badge_workflow, name="workflow"),
]
