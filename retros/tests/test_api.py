import secrets

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from retros.models import Phase, Retro
from retros.services import note_add
from retros.tests.factories import advance_to, make_retro, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return make_team()


def as_user(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_member_starts_a_retro_and_facilitates_it(people):
    team, (owner, member, _) = people
    api = as_user(member)
    created = api.post(
        f"/api/v1/teams/{team.slug}/retros/",
        {"title": "Ops retro", "format": "custom", "prompts": ["Kudos", "Puzzles"], "anonymous": False},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["facilitator"] == member.username and body["phase"] == "safety"
    assert body["prompts"] == ["Kudos", "Puzzles"] and body["html_url"].endswith(f"/retros/{body['id']}/")
    moved = api.post(f"/api/v1/teams/{team.slug}/retros/{body['id']}/phase/", {}, format="json")
    assert moved.status_code == 200 and moved.json()["phase"] == "open_actions"


def test_only_the_facilitator_changes_the_phase_through_the_api(people):
    team, (owner, member, _) = people
    retro = make_retro(team, member)
    refused = as_user(owner).post(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/phase/", {}, format="json")
    assert refused.status_code == 403 and "facilitator" in refused.json()["detail"]
    assert Retro.objects.get(pk=retro.pk).phase == Phase.SAFETY


def test_anonymous_notes_have_no_author_field_and_named_ones_do(people):
    team, (owner, member, _) = people
    for anonymous in (True, False):
        retro = advance_to(make_retro(team, owner, anonymous=anonymous), Phase.REFLECT, owner)
        note_add(retro=retro, prompt="Start", text="x", by=member, secret=secrets.token_hex(32))
        retro = advance_to(retro, Phase.GROUP, owner)
        notes = as_user(owner).get(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/").json()["notes"]
        assert len(notes) == 1
        assert ("author" in notes[0]) is (not anonymous)
        if not anonymous:
            assert notes[0]["author"] == member.username


def test_notes_stay_private_in_the_api_until_the_reveal_and_the_distribution_until_the_minimum(people):
    team, users = people
    api = as_user(users[0])
    retro = make_retro(team, users[0])
    for user in users[:2]:
        assert (
            as_user(user).post(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/safety/", {"value": 3}).status_code == 204
        )
    detail = api.get(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/").json()
    assert detail["safety"] == {"answers": 2, "minimum": 3, "distribution": None}
    retro = advance_to(retro, Phase.REFLECT, users[0])
    key = secrets.token_hex(32)
    written = as_user(users[1]).post(
        f"/api/v1/teams/{team.slug}/retros/{retro.pk}/notes/", {"prompt": "Stop", "text": "hidden", "key": key}
    )
    assert written.status_code == 201
    assert api.get(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/").json()["notes"] == []
    assert api.post(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/reveal/").status_code == 200
    assert [n["text"] for n in api.get(f"/api/v1/teams/{team.slug}/retros/{retro.pk}/").json()["notes"]] == ["hidden"]


def test_anonymous_votes_need_the_clients_key(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    note_add(retro=retro, prompt="Start", text="x", by=member, secret=secrets.token_hex(32))
    retro = advance_to(retro, Phase.VOTE, owner)
    group = retro.groups.get()
    url = f"/api/v1/teams/{team.slug}/retros/{retro.pk}/votes/"
    refused = as_user(member).post(url, {"group": group.pk}, format="json")
    assert refused.status_code == 400 and "key" in refused.json()["detail"]
    voted = as_user(member).post(url, {"group": group.pk, "key": "0" * 64}, format="json")
    assert voted.status_code == 200 and voted.json() == {"votes_left": 4}


def test_a_step_the_retros_phase_refuses_is_a_409_conflict(api_client, team, user):
    retro = make_retro(team, user)
    url = f"/api/v1/teams/{team.slug}/retros/{retro.pk}/"
    refused = api_client.post(url + "notes/", {"prompt": retro.prompts[0], "text": "hi"}, format="json")
    assert refused.status_code == 409 and "phase" in refused.json()["detail"]
    skipped = api_client.post(url + "phase/", {"to": "summary"}, format="json")
    assert skipped.status_code == 409 and "one phase at a time" in skipped.json()["detail"]
    unknown = api_client.post(url + "phase/", {"to": "nowhere"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.json()


def test_the_phase_steps_to_is_the_enum_of_phases(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    body = schema["paths"]["/api/v1/teams/{team}/retros/{id}/phase/"]["post"]["requestBody"]["content"]
    component = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    to = schema["components"]["schemas"][component]["properties"]["to"]
    assert to.get("$ref", to.get("allOf", [{}])[0].get("$ref")) == "#/components/schemas/PhaseEnum"
    assert schema["components"]["schemas"]["PhaseEnum"]["enum"] == [phase.value for phase in Phase]


def test_an_empty_owner_of_a_retro_action_is_refused_as_the_schema_says(api_client, team, user):
    retro = advance_to(make_retro(team, user), Phase.DISCUSS, user)
    response = api_client.post(
        f"/api/v1/teams/{team.slug}/retros/{retro.pk}/actions/", {"text": "fix CI", "owner": ""}, format="json"
    )
    assert response.status_code == 400 and "owner" in response.json()
    assert not retro.actions.exists()


def test_a_client_edits_and_deletes_its_notes_with_its_key_until_the_reveal(people):
    team, (owner, member, _) = people
    retro = advance_to(make_retro(team, owner), Phase.REFLECT, owner)
    base = f"/api/v1/teams/{team.slug}/retros/{retro.pk}/"
    key, other_key = secrets.token_hex(32), secrets.token_hex(32)
    api = as_user(member)
    first = api.post(base + "notes/", {"prompt": "Start", "text": "frist", "key": key}, format="json").json()["id"]
    second = api.post(base + "notes/", {"prompt": "Stop", "text": "oops", "key": key}, format="json").json()["id"]
    wrong = api.post(base + "notes/edit/", {"note": first, "text": "x", "key": other_key}, format="json")
    assert wrong.status_code == 403 and "only the notes you wrote" in wrong.json()["detail"]
    assert api.post(base + "notes/delete/", {"note": second}, format="json").status_code == 403
    edit = api.post(base + "notes/edit/", {"note": first, "text": "first", "key": key}, format="json")
    assert edit.status_code == 204
    assert api.post(base + "notes/delete/", {"note": second, "key": key}, format="json").status_code == 204
    assert as_user(owner).post(base + "reveal/").status_code == 200
    assert [n["text"] for n in api.get(base).json()["notes"]] == ["first"]
    late = api.post(base + "notes/delete/", {"note": first, "key": key}, format="json")
    assert late.status_code == 409 and "until the facilitator reveals" in late.json()["detail"]
