from django.urls import path

from teams import views

app_name = "teams"
urlpatterns = [
    path("t/", views.team_list, name="list"),
    path("settings/profile/", views.profile, name="profile"),
    path("t/<slug:team>/members/", views.team_members, name="members"),
    path("t/<slug:team>/audit/", views.audit_log, name="audit"),
    path("t/<slug:team>/security/", views.team_security, name="security"),
    path("t/<slug:team>/invitations/", views.invitation_new, name="invitation-new"),
    path(
        "t/<slug:team>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke_view, name="invitation-revoke"
    ),
    path(
        "t/<slug:team>/invitations/<int:invitation_id>/resend/", views.invitation_resend_view, name="invitation-resend"
    ),
    path("t/<slug:team>/members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("t/<slug:team>/members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]
