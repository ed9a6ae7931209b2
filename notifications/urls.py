"""Pages of notification channels and of a person's inbox, mounted at /t/<team>/notifications/."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("channels/new/", views.channel_new, name="channel-new"),
    path("channels/<int:channel_id>/", views.channel_edit, name="channel-edit"),
    path("channels/<int:channel_id>/delete/", views.channel_delete, name="channel-delete"),
    path("channels/<int:channel_id>/test/", views.channel_test, name="channel-test"),
    path("channels/<int:channel_id>/deliveries/", views.deliveries, name="deliveries"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>/delete/", views.webhook_delete, name="webhook-delete"),
    path("webhooks/deliveries/<int:delivery_id>/redeliver/", views.webhook_redeliver, name="webhook-redeliver"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.inbox_unread, name="inbox-unread"),
    path("inbox/read/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:notification_id>/", views.inbox_open, name="inbox-open"),
]
