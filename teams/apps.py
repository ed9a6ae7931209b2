from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from teams import mfa_audit  # allauth's MFA signals module needs the apps loaded
        from teams.profile import remember_time_zone_at_login

        mfa_audit.connect()
        user_logged_in.connect(remember_time_zone_at_login, dispatch_uid="teams.profile.time_zone")
