from datetime import timedelta

import factory
from django.utils import timezone

from integrations.models import Deployment
from integrations.tests.factories import RepositoryFactory
from postmortems.models import Postmortem, TimelineEntry
from teams.tests.factories import TeamFactory


class PostmortemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postmortem

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    severity = "SEV3"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=5))


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    postmortem = factory.SubFactory(PostmortemFactory)
    at = factory.LazyAttribute(lambda e: e.postmortem.started_at + timedelta(minutes=5))
    kind = "note"
    text = factory.Sequence(lambda n: f"Entry {n}")


class DeploymentFactory(factory.django.DjangoModelFactory):
    """A synced GitHub deployment to production that succeeded two minutes after it was created."""

    class Meta:
        model = Deployment

    repository = factory.SubFactory(RepositoryFactory)
    team = factory.SelfAttribute("repository.team")
    github_id = factory.Sequence(lambda n: 5000 + n)
    environment = "production"
    ref = factory.Sequence(lambda n: f"v1.{n}.0")
    sha = factory.Sequence(lambda n: f"{n:040x}")
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=6))
    updated_at = factory.SelfAttribute("created_at")
    status = "success"
    status_updated_at = factory.LazyAttribute(lambda d: d.created_at + timedelta(minutes=2))
    succeeded_at = factory.LazyAttribute(lambda d: d.status_updated_at if d.status == "success" else None)
    html_url = factory.LazyAttribute(lambda d: f"https://github.com/{d.repository.full_name}/deployments")
