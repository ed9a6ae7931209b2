from django.contrib import admin

from retros.models import ActionItem, Retro, RetroSeries, RetroSettings


@admin.register(Retro)
class RetroAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "phase", "anonymous", "scheduled_for"]
    list_filter = ["phase", "anonymous"]
    # Notes, votes and safety answers stay out of the admin: an anonymous retro's rows are
    # shown on its page, where the reveal and hiding rules apply.


admin.site.register(RetroSeries)
admin.site.register(RetroSettings)
admin.site.register(ActionItem)
