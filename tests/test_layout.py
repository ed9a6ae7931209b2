"""The layout keeps one spelling per concern; these tests read the app code and refuse a second one.

Team scoping: a model's queryset names its path to the team once (`core.querysets.TeamScopedQuerySet`), and
everything else asks `Model.objects.for_team(team)`. A raw `.filter(team=…)` outside models and querysets is a
second spelling that drifts (a missed path, a team id where the team belongs), so it is refused here.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything of ours that is not a test, a migration, a tool or a dependency.
NOT_APP_CODE = {"tests", "migrations", "node_modules", "var", "deploy", "docs", "static", "templates"}
SCOPING_MODULES = {"models.py", "querysets.py"}
QUERY_METHODS = {"filter", "exclude", "get"}
# `team`, `team_id` and any path ending at the team (`board__team`, `card__team_id`). A user's `memberships__team`
# is not team data: it asks which teams a person belongs to, and stays a plain lookup.
TEAM_LOOKUP = re.compile(r"(?!memberships__)(\w+__)?team(_id)?")


def _app_modules() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0].startswith(".") or NOT_APP_CODE & set(parts[:-1]):
            continue
        if path.name.startswith("test_") or path.name == "conftest.py":
            continue
        found.append(path)
    return found


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node


def _where(path: Path, node: ast.expr | ast.stmt) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_the_walk_reads_the_app_code_and_leaves_tests_and_migrations_out():
    names = {str(path.relative_to(ROOT)) for path in _app_modules()}
    assert {"kanban/views.py", "dashboard/figures.py", "integrations/webhooks/automation.py"} <= names
    assert not [name for name in names if "/migrations/" in name or "/tests/" in name or name.startswith("tests/")]


def test_team_data_is_scoped_by_for_team_outside_models_and_querysets():
    raw = [
        f"{_where(path, call)}: .{call.func.attr}({keyword.arg}=…)"
        for path in _app_modules()
        if path.name not in SCOPING_MODULES
        for call in _calls(path)
        if call.func.attr in QUERY_METHODS
        for keyword in call.keywords
        if keyword.arg and TEAM_LOOKUP.fullmatch(keyword.arg)
    ]
    assert raw == [], f"{len(raw)} raw team filters; use Model.objects.for_team(team):\n" + "\n".join(raw)


def test_for_team_is_given_the_team_never_its_id():
    ids = [
        f"{_where(path, call)}: for_team({ast.unparse(call.args[0])})"
        for path in _app_modules()
        for call in _calls(path)
        if call.func.attr == "for_team" and call.args and ast.unparse(call.args[0]).endswith(("_id", ".pk", ".id"))
    ]
    assert ids == []


def test_for_team_is_defined_once_in_core():
    definitions = [
        _where(path, node)
        for path in _app_modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "for_team"
    ]
    assert len(definitions) == 1 and definitions[0].startswith("core/querysets.py:"), definitions
