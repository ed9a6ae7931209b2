from datetime import timedelta

import factory
from django.utils import timezone

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
