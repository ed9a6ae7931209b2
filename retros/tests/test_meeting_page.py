"""What the meeting page offers in each phase: votes that can be cast, timers that match, a finished retro at rest."""

import re
import secrets

import pytest

from retros.models import Phase
from retros.services import vote_cast
from retros.tests.factories import advance_to, make_retro, make_team, voting

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def people():
    return make_team()


def vote_button(html, group):
    """The +1 button of `group`'s ballot, as rendered."""
    row = html.split(f'aria-label="Group {group.title}"')[1].split('class="retro-group"')[0]
    return re.search(r"<button[^>]*>\+1 vote</button>", row).group(0)


def test_plus_one_is_disabled_at_the_groups_cap_and_when_no_vote_is_left(client, people):
    team, users = people
    retro, (first, second) = voting(team, users, vote_budget=3, group_vote_cap=2)
    voter = users[1]
    client.force_login(voter)
    for _ in range(2):
        vote_cast(retro=retro, group=first, by=voter, secret=secrets.token_hex(32))
    html = client.get(retro.get_absolute_url()).content.decode()
    assert "disabled" in vote_button(html, first) and "At most 2 here." in html
    assert "disabled" not in vote_button(html, second)
    vote_cast(retro=retro, group=second, by=voter, secret=secrets.token_hex(32))
    html = client.get(retro.get_absolute_url()).content.decode()
    assert "disabled" in vote_button(html, first) and "disabled" in vote_button(html, second)
    assert "No votes left: take one back to move it." in html


def test_the_timer_input_says_the_length_the_phase_started_its_timer_with(client, people):
    team, users = people
    owner = users[0]
    retro = make_retro(team, owner)
    client.force_login(owner)
    html = client.get(retro.get_absolute_url()).content.decode()
    assert retro.timer_seconds_left() > 2 * 60 and 'name="minutes" type="number" min="0" max="120" value="3"' in html
    retro = advance_to(retro, Phase.GROUP, owner)
    assert 'max="120" value="8"' in client.get(retro.get_absolute_url()).content.decode()


def test_a_finished_retro_offers_no_back_timer_hand_over_or_hide(client, people):
    team, users = people
    owner = users[0]
    retro, _ = voting(team, users)
    retro = advance_to(retro, Phase.SUMMARY, owner)
    client.force_login(owner)
    html = client.get(retro.get_absolute_url()).content.decode()
    assert "note 0" in html
    for control in ("← Back", "Start timer", "Hand over", ">Hide<", "No timer running", "Time left"):
        assert control not in html, control
