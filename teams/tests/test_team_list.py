"""The team list page, where the team switcher's Go button lands without JavaScript."""

import pytest

pytestmark = pytest.mark.production


def test_the_team_switcher_go_button_redirects_only_to_a_page_of_this_site(client_in):
    assert client_in.get("/t/", {"go": "/t/alpha/"}).url == "/t/alpha/"
    for outside in ("https://evil.example/t/", "//evil.example/t/", "/\\evil.example"):
        assert client_in.get("/t/", {"go": outside}).status_code == 200
