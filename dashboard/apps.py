from django.apps import AppConfig

from teams.demo import DemoData


class DashboardConfig(AppConfig):
    name = "dashboard"
    demo = DemoData("dashboard.demo", order=50)
