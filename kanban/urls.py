app_name = "kanban"
urlpatterns: list = []
