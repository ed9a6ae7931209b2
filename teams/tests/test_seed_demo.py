import io
import logging

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from teams.demo import DemoData
from teams.models import AuditEvent, Membership, Team

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def _declared() -> list[DemoData]:
    from django.apps import apps

    declared = [getattr(config, "demo", None) for config in apps.get_app_configs()]
    return sorted((demo for demo in declared if isinstance(demo, DemoData)), key=lambda demo: demo.order)


def test_each_area_declares_its_demo_data_on_its_app_config_and_seeds_after_what_it_builds_on():
    assert [demo.module for demo in _declared()] == [
        "kanban.demo",
        "postmortems.demo",
        "retros.demo",
        "integrations.demo",
        "dashboard.demo",
    ]


def _counts():
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"teams", "kanban", "postmortems", "retros", "integrations", "dashboard"}
        and model._meta.label != "teams.AuditEvent"
    }


def test_seed_demo_creates_the_demo_user_as_owner_of_the_demo_team(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    user = authenticate(username="demo", password="demo")
    assert user is not None
    assert Membership.objects.get(user=user, team=Team.objects.get(slug="demo")).role == "owner"


def test_running_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before


def test_seeding_keeps_the_audit_trail_but_logs_no_line_per_demo_object(settings, caplog):
    settings.DEBUG = True
    caplog.set_level(logging.INFO)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert [record for record in caplog.records if record.name == "teams.audit"] == []
    assert AuditEvent.objects.filter(team__slug="demo").count() > 10
    assert len(out.getvalue().splitlines()) <= len(_declared()) + 2  # a line per area and how to log in
    assert "createsuperuser" in out.getvalue()
