from django.contrib import admin

from dashboard.models import DashboardSettings


@admin.register(DashboardSettings)
class DashboardSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "stale_pr_days"]
    exclude = ["badge_salt"]
