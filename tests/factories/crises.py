"""Crisis episodes (campaigns run during them: tests.factories.campaigns)."""

import datetime

import factory

from villesolidaire.crises.models import Episode, EpisodeKind, EpisodeLevel


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    kind = EpisodeKind.HEATWAVE
    level = EpisodeLevel.ORANGE
    starts_on = datetime.date(2026, 7, 14)


def episode_with(*quartiers, **kwargs) -> Episode:
    episode = EpisodeFactory(**kwargs)
    episode.quartiers.set(quartiers)
    return episode
