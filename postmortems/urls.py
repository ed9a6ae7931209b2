from django.urls import path

from postmortems import views

app_name = "postmortems"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.postmortem_new, name="new"),
    path("export.csv", views.index_csv, name="index-csv"),
    path("reminders/", views.reminders, name="reminders"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/alertmanager-token/", views.alertmanager_token_new, name="alertmanager-token"),
    path("<int:pm_id>/", views.detail, name="detail"),
    path("<int:pm_id>.md", views.markdown, name="markdown"),
    path("<int:pm_id>/print/", views.print_view, name="print"),
    path("<int:pm_id>/edit/", views.edit, name="edit"),
    path("<int:pm_id>/hints/", views.hints, name="hints"),
    path("<int:pm_id>/review/", views.review, name="review"),
    path("<int:pm_id>/approve/", views.approve, name="approve"),
    path("<int:pm_id>/publish/", views.publish, name="publish"),
    path("<int:pm_id>/reopen/", views.reopen, name="reopen"),
    path("<int:pm_id>/timeline/", views.timeline_add, name="timeline-add"),
    path("<int:pm_id>/timeline/<int:entry_id>/", views.timeline_entry, name="timeline-entry"),
    path("<int:pm_id>/timeline/<int:entry_id>/delete/", views.timeline_delete, name="timeline-delete"),
    path("<int:pm_id>/suggestions/", views.suggestions, name="suggestions"),
    path("<int:pm_id>/suggestions/add/", views.suggestion_add, name="suggestion-add"),
    path("<int:pm_id>/actions/", views.action_add, name="action-add"),
    path("<int:pm_id>/actions/<int:item_id>/done/", views.action_done, name="action-done"),
    path("<int:pm_id>/actions/<int:item_id>/delete/", views.action_delete, name="action-delete"),
]
