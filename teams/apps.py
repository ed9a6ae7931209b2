from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self):
        from teams import mfa_audit  # allauth's MFA signals module needs the apps loaded

        mfa_audit.connect()
