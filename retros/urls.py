from django.urls import path

from retros import views

app_name = "retros"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.retro_new, name="retro-new"),
    path("settings/", views.settings_update, name="settings"),
    path("<int:retro_id>/", views.retro_detail, name="retro"),
    path("<int:retro_id>/live/", views.retro_live, name="live"),
    path("<int:retro_id>/poll/", views.poll, name="poll"),
    path("<int:retro_id>/summary.md", views.summary_md, name="summary-md"),
    path("<int:retro_id>/phase/", views.phase_change, name="phase"),
    path("<int:retro_id>/hand-off/", views.hand_off, name="hand-off"),
    path("<int:retro_id>/board/", views.board, name="board"),
    path("<int:retro_id>/timer/", views.timer, name="timer"),
    path("<int:retro_id>/safety/", views.safety, name="safety"),
    path("<int:retro_id>/notes/", views.note_new, name="note-new"),
    path("<int:retro_id>/notes/edit/", views.note_edit_view, name="note-edit"),
    path("<int:retro_id>/notes/delete/", views.note_delete_view, name="note-delete"),
    path("<int:retro_id>/reveal/", views.reveal, name="reveal"),
    path("<int:retro_id>/notes/hide/", views.note_hide_view, name="note-hide"),
    path("<int:retro_id>/notes/group/", views.note_move, name="note-move"),
    path("<int:retro_id>/groups/", views.group_new, name="group-new"),
    path("<int:retro_id>/groups/<int:group_id>/", views.group_rename_view, name="group-rename"),
    path("<int:retro_id>/vote/", views.vote, name="vote"),
    path("<int:retro_id>/discuss/", views.discuss, name="discuss"),
    path("<int:retro_id>/actions/", views.action_new, name="action-new"),
    path("<int:retro_id>/actions/<int:action_id>/review/", views.action_review_view, name="action-review"),
]
