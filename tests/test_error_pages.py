"""Error pages with DEBUG on (`make run`): the app's own 404 and 500, unless a developer asks for
Django's technical pages with DJANGO_DEBUG_PAGES=1."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.production]

TECHNICAL_404 = "Using the URLconf defined in"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.DEBUG_PAGES = False
    return settings


def test_a_missing_page_shows_the_apps_own_404_with_debug_on(debug, client_in):
    response = client_in.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing here" in response.text
    assert TECHNICAL_404 not in response.text
    assert "Switch team" in response.text  # the app's own page, with its top bar


def test_a_team_the_user_is_not_in_shows_the_apps_own_404_with_debug_on(debug, client_in, other_team):
    response = client_in.get(f"/t/{other_team.slug}/")
    assert response.status_code == 404
    assert "There is nothing here" in response.text
    assert "Raised by" not in response.text


def test_a_missing_api_path_answers_json_with_debug_on(debug, client_in):
    response = client_in.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_path_missing_only_its_slash_still_redirects(debug, client_in):
    response = client_in.get("/t")
    assert response.status_code == 301
    assert response.url == "/t/"


@pytest.mark.urls("tests.error_urls")
def test_a_crash_shows_the_apps_own_500_and_logs_the_traceback(debug, client_in, caplog):
    response = client_in.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)
    assert client_in.get("/api/v1/crash/").json()["detail"].startswith("Something went wrong")


def test_developers_who_ask_get_djangos_technical_pages(debug, client_in):
    debug.DEBUG_PAGES = True
    response = client_in.get("/no-such-page/")
    assert response.status_code == 404
    assert TECHNICAL_404 in response.text


def test_a_viewer_refused_a_write_gets_the_apps_own_403_with_debug_on(debug, client, team):
    from teams.tests.factories import MembershipFactory

    client.force_login(MembershipFactory(team=team, role="viewer").user)
    response = client.post(f"/t/{team.slug}/board/new/", {"name": "Ops", "columns": "A, B"})
    assert response.status_code == 403
    assert "Not allowed" in response.text and "This needs the member role" in response.text
    assert not team.boards.exists()
