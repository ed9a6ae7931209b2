"""Connecting several repositories at once, picked from those the token or App installation can see."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fakes.github_server import TOKEN
from integrations.models import Repository
from integrations.tests.factories import RepositoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def repos(github):
    for name in ("octo/web", "octo/api", "octo/docs"):
        github.add_repo(name)


def choices(client, team, **fields):
    response = client.post(f"/t/{team.slug}/github/repository-choices/", fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_lists_what_a_token_can_see_and_marks_those_connected(client_in, team, github, repos):
    RepositoryFactory(team=team, connection__team=team, owner="octo", name="docs")
    html = choices(client_in, team, auth_kind="token", token=TOKEN, api_url=github.url)
    assert [name for name in ("octo/api", "octo/docs", "octo/web") if f'value="{name}"' in html] == [
        "octo/api",
        "octo/docs",
        "octo/web",
    ]
    assert 'value="octo/docs" disabled' in html and "(connected)" in html
    assert github.count("visible_repositories") == 1
    assert TOKEN not in html


def test_the_picker_lists_what_an_app_installation_can_see(client_in, team, github, repos):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    github.app_keys["4242"] = public.decode()
    github.installations[77] = "4242"
    html = choices(
        client_in,
        team,
        auth_kind="app",
        app_id="4242",
        private_key=pem.decode(),
        installation_id="77",
        api_url=github.url,
    )
    assert 'value="octo/web"' in html
    assert github.count("installation_token") == 1


def test_the_picker_says_why_it_cannot_list(client_in, team, github, repos):
    assert "GitHub rejected the token" in choices(client_in, team, auth_kind="token", token="nope", api_url=github.url)
    assert "personal access token" in choices(client_in, team, auth_kind="token", token="", api_url=github.url)
    assert not Repository.objects.exists()


def test_several_repositories_connect_at_once_picked_and_typed(client_in, team, github, repos):
    form = {
        "repository": "octo/docs",
        "repositories": ["octo/web", "octo/api"],
        "auth_kind": "token",
        "token": TOKEN,
        "api_url": github.url,
        "interval": "15",
    }
    response = client_in.post(f"/t/{team.slug}/github/", form, follow=True)
    assert response.status_code == 200
    assert sorted(Repository.objects.for_team(team).values_list("full_name", flat=True)) == [
        "octo/api",
        "octo/docs",
        "octo/web",
    ]
    assert "Connected octo/docs, octo/web, octo/api" in response.content.decode()


def test_a_badly_written_name_among_several_is_named(client_in, team, github, repos):
    form = {"repository": "octo/web, not a repo", "auth_kind": "token", "token": TOKEN, "api_url": github.url}
    response = client_in.post(f"/t/{team.slug}/github/", form | {"interval": "15"})
    assert response.status_code == 400
    assert "not a" in response.content.decode()
    assert not Repository.objects.exists()
