from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("panels/<slug:panel>/", views.panel, name="panel"),
    path("dora/trends/", views.dora_trends, name="dora-trends"),
    path("dora/<slug:key>/", views.dora_detail, name="dora-detail"),
    path("report/", views.report, name="report"),
    path("report.md", views.report_markdown, name="report-md"),
    path("report/checklist/", views.checklist_save, name="checklist"),
    path("dashboard/settings/", views.settings_page, name="settings"),
    path("data/<slug:kind>/", views.data_list, name="data"),
    path("data/<slug:kind>.csv", views.data_csv, name="data-csv"),
    path("search/", views.search, name="search"),
]
