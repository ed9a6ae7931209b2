"""The "How DevOps are we?" report grades honestly, adds up, and says why each line sits where it does."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.report import CAPABILITIES, report_build
from postmortems.models import ActionItem, Postmortem, Status
from retros.models import SafetyAnswer
from retros.tests.factories import make_retro

pytestmark = pytest.mark.sqlite


def finding(report, capability):
    return next(f for f in report.findings if f.capability == capability)


def held_retro(team, user, *, answers, minimum=3):
    retro = make_retro(team, user)
    type(retro).objects.filter(pk=retro.pk).update(
        finished_at=timezone.now() - timedelta(days=1), safety_minimum=minimum
    )
    SafetyAnswer.objects.bulk_create(SafetyAnswer(retro=retro, value=value) for value in answers)
    return retro


def test_learning_culture_is_not_yet_while_due_action_items_are_not_done_on_time(team):
    now = timezone.now()
    postmortem = Postmortem.objects.create(
        team=team, title="Queue stuck", status=Status.PUBLISHED, started_at=now - timedelta(days=5),
        resolved_at=now - timedelta(days=5) + timedelta(hours=1),
    )  # fmt: skip
    ActionItem.objects.create(
        postmortem=postmortem, description="Alert on queue depth", due_date=now.date() - timedelta(days=1)
    )
    learning = finding(report_build(team=team), "learning-culture")
    assert "0 of 1 due action item done on time" in learning.evidence
    assert learning.status == "not_yet"


def test_a_retro_counts_as_generative_culture_only_with_adequate_safety_scores(team, user):
    held_retro(team, user, answers=[1, 2, 2, 5])
    culture = finding(report_build(team=team), "generative-organizational-culture")
    assert culture.status == "not_yet"
    assert culture.evidence.startswith("1 retro held, 0 with a safety check where people speak up")
    held_retro(team, user, answers=[4, 4, 5])
    assert finding(report_build(team=team), "generative-organizational-culture").status == "yes"


def test_a_retro_whose_safety_check_had_too_few_answers_to_show_does_not_count(team, user):
    held_retro(team, user, answers=[5, 5], minimum=3)
    assert finding(report_build(team=team), "generative-organizational-culture").status == "not_yet"


def test_the_capability_counts_add_up_to_doras_catalog(client_in, team):
    client_in.post(f"/t/{team.slug}/report/checklist/", {"monitoring": "yes", "alerting": "no"})
    coverage = report_build(team=team).coverage()
    assert coverage["from_data"] + coverage["from_checklist"] + coverage["open"] == len(CAPABILITIES) == 29
    assert coverage["from_checklist"] == 2
    html = client_in.get(f"/t/{team.slug}/report/").content.decode()
    said = re.search(r"the data answers (\d+), the checklist (\d+), and (\d+) are still open", html)
    assert said and sum(int(n) for n in said.groups()) == 29
    text = client_in.get(f"/t/{team.slug}/report.md").content.decode()
    assert f"the checklist 2, and {coverage['open']} are still open" in text


def test_a_new_teams_ways_we_are_devops_box_says_what_to_do(client_in, team):
    html = client_in.get(f"/t/{team.slug}/report/").content.decode()
    box = html.split('id="h-yes"')[1].split("</section>")[0]
    assert "Nothing yet" in box and "answer the checklist" in box


def test_every_line_of_the_report_shows_its_rule(client_in, team):
    client_in.post(f"/t/{team.slug}/report/checklist/", {"monitoring": "yes"})
    report = report_build(team=team)
    assert all(f.rule for f in report.findings)
    html = client_in.get(f"/t/{team.slug}/report/").content.decode()
    assert html.count("<summary>why?</summary>") == len(report.findings)
    assert "Yes when at least 80 % of merged pull requests had CI checks." in html
    assert "Why: As the team answers this question" in client_in.get(f"/t/{team.slug}/report.md").content.decode()
