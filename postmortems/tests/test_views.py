"""Postmortem pages: a constant number of queries at 10 and 1,000 postmortems, and the htmx timeline editor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kanban.tests.factories import make_board
from postmortems.models import ActionItem, Postmortem, Tag, TimelineEntry
from postmortems.services import action_item_create, postmortem_create, timeline_entry_add

pytestmark = pytest.mark.sqlite


def make_postmortems(team, n):
    now = timezone.now()
    postmortems = Postmortem.objects.bulk_create(
        Postmortem(
            team=team,
            title=f"Incident {i}",
            severity=f"SEV{i % 4 + 1}",
            started_at=now - timedelta(hours=i),
            detected_at=now - timedelta(hours=i) + timedelta(minutes=5),
            resolved_at=now - timedelta(hours=i) + timedelta(minutes=50),
            summary=f"Summary {i}",
            search_text=f"Incident {i} disk latency",
        )
        for i in range(n)
    )
    Tag.objects.bulk_create(Tag(postmortem=p, name=name) for p in postmortems for name in ("disk", f"t{p.pk % 7}"))
    TimelineEntry.objects.bulk_create(
        TimelineEntry(postmortem=p, at=p.started_at + timedelta(minutes=m), text=f"step {m}")
        for p in postmortems
        for m in (1, 2)
    )
    ActionItem.objects.bulk_create(
        ActionItem(postmortem=p, description="fix", due_date=now.date() - timedelta(days=1)) for p in postmortems
    )
    return postmortems


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?q=latency", "?tag=disk&severity=SEV2&sort=ttr", "?open_actions=1"])
def test_the_list_runs_the_same_number_of_queries_at_10_and_1000_postmortems(client_in, team, user, query):
    board = make_board(team)
    make_postmortems(team, 10)
    pm = postmortem_create(team=team, title="With a card", by=user, tags=["disk"])
    action_item_create(postmortem=pm, description="carded", by=user, board=board)
    url = f"/t/{team.slug}/postmortems/{query}"
    small = count_queries(client_in, url)
    make_postmortems(team, 990)
    assert count_queries(client_in, url) == small
    assert small <= 8


def test_the_detail_runs_the_same_number_of_queries_however_much_it_holds(client_in, team, user):
    board = make_board(team)
    make_postmortems(team, 10)
    pm = postmortem_create(team=team, title="Big one", by=user, started_at=timezone.now(), tags=["a"])
    timeline_entry_add(postmortem=pm, at=timezone.now(), text="first", by=user)
    action_item_create(postmortem=pm, description="one", by=user, board=board, owner=user)
    url = f"/t/{team.slug}/postmortems/{pm.pk}/"
    small = count_queries(client_in, url)
    make_postmortems(team, 990)
    for i in range(20):
        timeline_entry_add(postmortem=pm, at=timezone.now() + timedelta(hours=i), text=f"entry {i}", by=user)
        action_item_create(postmortem=pm, description=f"item {i}", by=user, board=board, owner=user)
    pm.tags.create(name="b")
    assert count_queries(client_in, url) == small
    # 17: the attribution choices read the team's deployment definitions (issue 20); 18: "Caused by" lists them too.
    assert small <= 18


def test_the_list_flags_overdue_actions_and_the_detail_shows_them(client_in, team, user):
    pm = postmortem_create(team=team, title="Late", by=user, started_at=timezone.now())
    action_item_create(
        postmortem=pm, description="late fix", by=user, due_date=timezone.localdate() - timedelta(days=2)
    )
    listing = client_in.get(f"/t/{team.slug}/postmortems/").content.decode()
    assert "Overdue actions" in listing
    detail = client_in.get(f"/t/{team.slug}/postmortems/{pm.pk}/").content.decode()
    assert "Overdue" in detail and "late fix" in detail


def test_timeline_entries_are_added_and_edited_in_place_in_time_order_with_long_gaps_marked(client_in, team, user):
    start = timezone.now().replace(microsecond=0, second=0) - timedelta(hours=3)
    pm = postmortem_create(team=team, title="Gaps", by=user, started_at=start)
    url = f"/t/{team.slug}/postmortems/{pm.pk}/timeline/"
    htmx = {"HX-Request": "true"}
    fmt = "%Y-%m-%dT%H:%M"
    client_in.post(
        url,
        {"entry-at": (start + timedelta(hours=2)).strftime(fmt), "entry-kind": "resolution", "entry-text": "fixed"},
        headers=htmx,
    )
    response = client_in.post(
        url, {"entry-at": start.strftime(fmt), "entry-kind": "detection", "entry-text": "alert"}, headers=htmx
    )
    html = response.content.decode()
    assert html.strip().startswith('<section id="timeline"')
    assert html.index("alert") < html.index("fixed")
    assert "2 h 00 min with no entry" in html
    entry = pm.timeline.get(text="alert")
    form = client_in.get(f"{url}{entry.pk}/", headers=htmx)
    assert f'id="entry-{entry.pk}"' in form.content.decode() and "Save entry" in form.content.decode()
    late = (start + timedelta(hours=3)).strftime(fmt)
    client_in.post(
        f"{url}{entry.pk}/",
        {f"entry-{entry.pk}-at": late, f"entry-{entry.pk}-kind": "note", f"entry-{entry.pk}-text": "alert (moved)"},
        headers=htmx,
    )
    assert list(pm.timeline.values_list("text", flat=True)) == ["fixed", "alert (moved)"]


def test_the_markdown_export_holds_every_section(client_in, team, user):
    start = timezone.now().replace(microsecond=0)
    pm = postmortem_create(
        team=team,
        title="Export me",
        by=user,
        started_at=start,
        resolved_at=start + timedelta(minutes=65),
        contributing_factors=["No canary"],
        went_well=["Fast rollback"],
        tags=["deploy"],
    )
    timeline_entry_add(postmortem=pm, at=start, text="Deploy went out", by=user)
    action_item_create(postmortem=pm, description="Add a canary", by=user)
    response = client_in.get(f"/t/{team.slug}/postmortems/{pm.pk}.md")
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    for part in (
        "# Export me",
        "## Contributing factors",
        "- No canary",
        "### What went well",
        "Deploy went out",
        "| Add a canary |",
        "1 h 05 min",
        "**Tags:** deploy",
    ):
        assert part in text
    assert client_in.get(f"/t/{team.slug}/postmortems/{pm.pk}/print/").status_code == 200


def test_blameless_hints_highlight_blaming_phrases_and_a_member_named_as_failing(client_in, team, user):
    pm = postmortem_create(team=team, title="Hints", by=user)
    response = client_in.post(
        f"/t/{team.slug}/postmortems/{pm.pk}/hints/",
        {
            "summary": f"It was human error: {user.username} forgot the flag.",
            "impact": "Bob should have <b>checked</b>",
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<mark>human error</mark>" in html
    assert f"<mark>{user.username} forgot</mark>" in html
    assert "<mark>should have</mark> &lt;b&gt;checked" in html


def test_a_team_section_of_its_own_is_written_exported_and_searchable(client_in, team, user):
    from postmortems.services import settings_update

    settings_update(
        team=team,
        by=user,
        sections=[
            {"field": "summary", "prompt": "Two sentences."},
            {"field": "Customer communication", "prompt": "What we told customers, when."},
        ],
    )
    client_in.post(f"/t/{team.slug}/postmortems/new/", {"title": "Own sections", "severity": "SEV3"})
    pm = Postmortem.objects.get(title="Own sections")
    assert pm.custom_sections == {"Customer communication": ""}
    page = client_in.get(f"/t/{team.slug}/postmortems/{pm.pk}/").content.decode()
    assert 'placeholder="What we told customers, when."' in page and 'placeholder="Two sentences."' in page
    data = {"title": "Own sections", "severity": "SEV3", "custom_0": "Status page updated at 10:05 zeppelin"}
    assert client_in.post(f"/t/{team.slug}/postmortems/{pm.pk}/edit/", data).status_code == 302
    pm.refresh_from_db()
    assert pm.custom_sections == {"Customer communication": "Status page updated at 10:05 zeppelin"}
    assert "## Customer communication" in client_in.get(f"/t/{team.slug}/postmortems/{pm.pk}.md").content.decode()
    assert [p.title for p in client_in.get(f"/t/{team.slug}/postmortems/?q=zeppelin").context["postmortems"]] == [
        "Own sections"
    ]
