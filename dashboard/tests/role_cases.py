"""Who may use each dashboard page and API route (see teams/tests/roles.py for the fields).

Everyone in the team reads the dashboard, the report and the GitHub data; members answer the
report's checklist; owners change the dashboard's settings (thresholds, DORA definitions, badge token).
"""

from collections.abc import Callable
from typing import Any

from dashboard.lists import KINDS
from teams.models import Role
from teams.tests.roles import RoleCase, Setup

SEVERITIES = ("critical", "high", "medium", "low")


def _settings_form(objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "stale_pr_days": 3,
        "incident_label": "outage",
        "environments": "production",
        "sources": ["deployments"],
        "workflow_trigger": "default_branch",
        "rollback_hours": 0,
    } | {f"sla_{severity}": 10 for severity in SEVERITIES}


def _kind_path(kind: str) -> Callable[[Setup], dict[str, Any]]:
    return lambda setup: {"kind": kind}


CASES = [
    RoleCase("dashboard:home", "GET", Role.VIEWER),
    RoleCase("dashboard:panel", "GET", Role.VIEWER, build=lambda setup: {"panel": "ci"}, htmx=True, path_ids=False),
    RoleCase("dashboard:dora-trends", "GET", Role.VIEWER),
    RoleCase(
        "dashboard:dora-detail", "GET", Role.VIEWER, build=lambda setup: {"key": "time_to_restore"}, path_ids=False
    ),
    RoleCase("dashboard:search", "GET", Role.VIEWER),
    RoleCase("dashboard:report", "GET", Role.VIEWER),
    RoleCase("dashboard:report-md", "GET", Role.VIEWER),
    RoleCase("dashboard:checklist", "POST", Role.MEMBER, data=lambda objects: {"monitoring": "yes"}),
    RoleCase("dashboard:settings", "GET", Role.OWNER),
    RoleCase("dashboard:settings", "POST", Role.OWNER, data=_settings_form),
    *[
        RoleCase(
            "dashboard:data",
            "GET",
            Role.VIEWER,
            build=_kind_path(kind),
            label=kind,
            path_ids=False,
        )
        for kind in KINDS
    ],
    RoleCase("dashboard:data-csv", "GET", Role.VIEWER, build=_kind_path("pulls"), path_ids=False),
    RoleCase("dora-list", "GET", Role.VIEWER),
    RoleCase("report-list", "GET", Role.VIEWER),
]
