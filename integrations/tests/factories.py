import factory

from integrations.models import Connection, Repository
from teams.tests.factories import TeamFactory


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    team = factory.SubFactory(TeamFactory)
    # Nothing listens there: a test that forgets to point at the fake GitHub fails at once, offline.
    api_url = "http://127.0.0.1:9"
    token = "ghp_test_token"
    webhook_secret = "whsec_test"


class RepositoryFactory(factory.django.DjangoModelFactory[Repository]):
    class Meta:
        model = Repository

    connection = factory.SubFactory(ConnectionFactory)
    team = factory.SelfAttribute("connection.team")
    api_url = factory.SelfAttribute("connection.api_url")
    owner = "octo"
    name = factory.Sequence(lambda n: f"repo{n}")
    full_name = factory.LazyAttribute(lambda r: f"{r.owner}/{r.name}")
    github_id = factory.Sequence(lambda n: 1000 + n)
