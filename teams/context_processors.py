"""The team of the page, its areas and the user's teams, for the base template.

The areas come from the apps themselves: an AppConfig with a `nav` attribute
(`teams.nav.NavEntry`) gets a tab. This app does not know which apps sit above it.
"""

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from teams.models import Team
from teams.nav import NavEntry


def team_areas() -> list[NavEntry]:
    """Every app's navigation entry, in `NavEntry.order`."""
    entries = [nav for config in apps.get_app_configs() if isinstance(nav := getattr(config, "nav", None), NavEntry)]
    return sorted(entries, key=lambda entry: entry.order)


def _team_nav(team) -> list[dict]:
    return [
        {
            "label": entry.label,
            "url": reverse(entry.url_name, kwargs={"team": team.slug}),
            "namespaces": entry.namespaces,
        }
        for entry in team_areas()
    ]


def current_team(request):
    """The team of the page (set by `team_view`), its areas, and the user's teams for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    team = getattr(request, "team", None)
    return {
        "team": team,
        "membership": getattr(request, "membership", None),
        "team_nav": _team_nav(team) if team else [],
        "user_teams": Team.objects.for_user(user).only("slug", "name"),
    }


def accounts(request):
    """The sign-up policy, and the invitation a visitor is signing up from (looked up only if shown)."""
    from teams.adapters import pending_invitation  # allauth's adapters load after the apps

    return {
        "SIGNUP_POLICY": settings.SIGNUP_POLICY,
        "signup_invitation": SimpleLazyObject(lambda: pending_invitation(request)),
    }
