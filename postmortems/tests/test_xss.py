"""XSS payloads in every field render inert: on the list, the detail, the print view, search and hints."""

from html.parser import HTMLParser

import pytest
from django.utils import timezone

from postmortems.services import (
    action_item_create,
    postmortem_approve,
    postmortem_create,
    postmortem_publish,
    postmortem_request_review,
    timeline_entry_add,
)

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
MARKDOWN_PAYLOAD = "[click](javascript:alert(4)) <iframe src=//evil></iframe> " + PAYLOAD


class ActiveContent(HTMLParser):
    """Collects what a browser would run: inline scripts, event handlers, javascript: URLs, frames."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append(f"script {attributes}")
        if tag in ("iframe", "svg", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


@pytest.fixture
def poisoned(team, user):
    text_fields = {name: MARKDOWN_PAYLOAD for name in ("summary", "impact", "trigger", "detection", "resolution")}
    postmortem = postmortem_create(
        team=team,
        title=PAYLOAD,
        by=user,
        started_at=timezone.now(),
        contributing_factors=[PAYLOAD],
        went_well=[PAYLOAD],
        went_wrong=[PAYLOAD],
        got_lucky=[PAYLOAD],
        links=["https://example.com/" + PAYLOAD],
        tags=[PAYLOAD[:50]],
        **text_fields,
    )
    timeline_entry_add(postmortem=postmortem, at=timezone.now(), text=PAYLOAD + " alert", by=user)
    action_item_create(postmortem=postmortem, description=PAYLOAD, by=user)
    return postmortem


def assert_inert(html: str) -> None:
    parser = ActiveContent()
    parser.feed(html)
    assert parser.found == []
    assert "alert(1)" in html or "alert(" not in html  # the payload is shown as text, not dropped silently


@pytest.mark.parametrize(
    "path", ["", "?q=alert", "?q=script", "{pk}/", "{pk}/print/", "{pk}/suggestions/", "reminders/"]
)
def test_payloads_render_inert_on_every_page(client_in, team, poisoned, path):
    response = client_in.get(f"/t/{team.slug}/postmortems/" + path.format(pk=poisoned.pk))
    assert response.status_code == 200
    assert_inert(response.content.decode())


def test_a_published_postmortem_renders_its_markdown_sanitised(client_in, team, user, poisoned):
    postmortem_request_review(postmortem=poisoned, by=user, reviewers=[user])
    postmortem_approve(postmortem=poisoned, by=user)
    postmortem_publish(postmortem=poisoned, by=user)
    html = client_in.get(f"/t/{team.slug}/postmortems/{poisoned.pk}/").content.decode()
    assert "Published" in html
    assert_inert(html)


def test_hints_echo_the_text_escaped(client_in, team, poisoned):
    response = client_in.post(
        f"/t/{team.slug}/postmortems/{poisoned.pk}/hints/", {"summary": PAYLOAD + " human error " + PAYLOAD}
    )
    assert "<mark>human error</mark>" in response.content.decode()
    assert_inert(response.content.decode())


def test_the_markdown_export_is_served_as_text_not_html(client_in, team, poisoned):
    response = client_in.get(f"/t/{team.slug}/postmortems/{poisoned.pk}.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_markdown_export_shows_raw_html_in_every_field_as_text(client_in, team, poisoned):
    text = client_in.get(f"/t/{team.slug}/postmortems/{poisoned.pk}.md").content.decode()
    assert "<script" not in text and "<img" not in text and "<iframe" not in text and "<svg" not in text
    # Title, five sections, four lists, timeline, action items and links each hold the payload, escaped.
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 14
