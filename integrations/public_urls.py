"""URLs GitHub calls (no login): the webhook endpoint."""

app_name = "integrations-public"
urlpatterns: list = []
