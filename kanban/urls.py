from django.urls import path

from kanban import views

app_name = "kanban"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.board_new, name="board-new"),
    path("<int:board_id>/", views.board_detail, name="board"),
    path("<int:board_id>/changes/", views.board_changes, name="board-changes"),
    path("<int:board_id>/settings/", views.board_settings, name="settings"),
    path("<int:board_id>/columns/new/", views.column_new, name="column-new"),
    path("<int:board_id>/columns/<int:column_id>/", views.column_detail, name="column"),
    path("<int:board_id>/columns/<int:column_id>/edit/", views.column_edit, name="column-edit"),
    path("<int:board_id>/columns/<int:column_id>/delete/", views.column_delete_view, name="column-delete"),
    path("<int:board_id>/columns/<int:column_id>/more/", views.column_more, name="column-more"),
    path("<int:board_id>/columns/<int:column_id>/cards/", views.quick_add, name="quick-add"),
    path("<int:board_id>/swimlanes/new/", views.swimlane_new, name="swimlane-new"),
    path("<int:board_id>/swimlanes/<int:swimlane_id>/delete/", views.swimlane_delete_view, name="swimlane-delete"),
    path("<int:board_id>/delete/", views.board_delete_view, name="board-delete"),
    path("<int:board_id>/labels/new/", views.label_new, name="label-new"),
    path("<int:board_id>/archived/", views.archived, name="archived"),
    path("<int:board_id>/cards.csv", views.board_csv, name="board-csv"),
    path("<int:board_id>/flow/", views.flow_page, name="flow"),
    path("<int:board_id>/flow.json", views.flow_json, name="flow-json"),
    path("cards/<int:card_id>/", views.card_detail, name="card"),
    path("cards/<int:card_id>/edit/", views.card_edit, name="card-edit"),
    path("cards/<int:card_id>/move/", views.card_move_view, name="card-move"),
    path("cards/<int:card_id>/comments/", views.comment_new, name="comment-new"),
    path("cards/<int:card_id>/checklist/", views.checklist_new, name="checklist-new"),
    path("cards/<int:card_id>/checklist/<int:item_id>/", views.checklist_toggle, name="checklist-toggle"),
    path("cards/<int:card_id>/archive/", views.card_archive_view, name="card-archive"),
    path("cards/<int:card_id>/restore/", views.card_restore_view, name="card-restore"),
    path("cards/<int:card_id>/delete/", views.card_delete_view, name="card-delete"),
]
