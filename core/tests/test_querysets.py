"""Every model that holds a team's data is scoped one way: its queryset names the path to the team once."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models import Model

from core.querysets import TeamScopedQuerySet


def _our_models() -> list[type[Model]]:
    ours = [config for config in apps.get_app_configs() if Path(config.path).is_relative_to(settings.BASE_DIR)]
    return [model for config in ours for model in config.get_models()]


def _scoped(model: type[Model]) -> bool:
    return isinstance(model._default_manager.all(), TeamScopedQuerySet)


def _end_of(model: type[Model], path: str) -> str:
    """The model a lookup path such as "board__team" arrives at."""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model  # type: ignore[assignment]
    return model._meta.label


def test_every_scoped_models_team_path_arrives_at_the_team():
    scoped = [model for model in _our_models() if _scoped(model)]
    assert len(scoped) > 30
    wrong = {
        model._meta.label: path
        for model in scoped
        if _end_of(model, path := model._default_manager.all().team_path) != "teams.Team"
    }
    assert wrong == {}


def test_every_model_with_its_own_team_key_is_scoped():
    keyed = [model for model in _our_models() if any(f.name == "team" for f in model._meta.concrete_fields)]
    assert "kanban.Board" in {model._meta.label for model in keyed}
    assert [model._meta.label for model in keyed if not _scoped(model)] == []
