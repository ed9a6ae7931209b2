from django.urls import NoReverseMatch, reverse

# The areas of a team, in navigation order: (label, URL name taking `team`).
# (label, URL name of the area's first page, URL namespaces whose pages belong to the area)
TEAM_AREAS = [
    ("Board", "kanban:index", ("kanban",)),
    ("Postmortems", "postmortems:index", ("postmortems",)),
    ("Retros", "retros:index", ("retros",)),
    ("GitHub", "integrations:index", ("integrations", "webhooks")),
]


def _team_nav(team) -> list[dict]:
    items = []
    for label, name, namespaces in TEAM_AREAS:
        try:
            url = reverse(name, kwargs={"team": team.slug})
        except NoReverseMatch:
            continue  # an area whose app has no pages yet is left out of the navigation
        items.append({"label": label, "url": url, "namespaces": namespaces})
    return items


def current_team(request):
    """The team of the page (set by `team_view`), its areas, and the user's teams for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from teams.models import Team

    team = getattr(request, "team", None)
    return {
        "team": team,
        "membership": getattr(request, "membership", None),
        "team_nav": _team_nav(team) if team else [],
        "user_teams": Team.objects.for_user(user).only("slug", "name"),
    }
