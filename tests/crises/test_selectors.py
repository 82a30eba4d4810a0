"""Which crisis episode a request, mission or need raised on a day and in a quartier falls under."""

import datetime

from tests.factories import QuartierFactory
from tests.factories.crises import EpisodeFactory, episode_with
from villesolidaire.crises.models import Episode
from villesolidaire.crises.selectors import episode_for

JULY_15 = datetime.date(2026, 7, 15)


def test_an_episode_over_some_quartiers_covers_them_only(django_assert_num_queries):
    north, south = QuartierFactory(), QuartierFactory()
    episode = episode_with(north, starts_on=datetime.date(2026, 7, 14))
    with django_assert_num_queries(1):
        assert episode_for(JULY_15, north) == episode
    assert episode_for(JULY_15, north.pk) == episode
    assert episode_for(JULY_15, south) is None
    assert episode_for(JULY_15, None) is None  # an address outside every quartier


def test_an_episode_without_quartiers_covers_the_whole_town():
    episode = EpisodeFactory(starts_on=datetime.date(2026, 7, 14))
    assert episode_for(JULY_15, QuartierFactory()) == episode
    assert episode_for(JULY_15, None) == episode


def test_no_episode_outside_its_dates():
    EpisodeFactory(starts_on=datetime.date(2026, 7, 14), ends_on=datetime.date(2026, 7, 16))
    assert episode_for(datetime.date(2026, 7, 13), None) is None
    assert episode_for(datetime.date(2026, 7, 16), None) is not None  # its last day counts
    assert episode_for(datetime.date(2026, 7, 17), None) is None


def test_no_episode_at_all():
    assert episode_for(JULY_15, QuartierFactory()) is None


def test_of_two_episodes_the_one_that_started_last_wins():
    quartier = QuartierFactory()
    EpisodeFactory(starts_on=datetime.date(2026, 7, 1))  # whole town, still under way
    later = episode_with(quartier, starts_on=datetime.date(2026, 7, 14))
    assert episode_for(JULY_15, quartier) == later
    assert episode_for(JULY_15, QuartierFactory()).starts_on == datetime.date(2026, 7, 1)


def test_covering_keeps_whole_town_episodes_and_those_over_the_quartier():
    north, south = QuartierFactory(), QuartierFactory()
    town = EpisodeFactory()
    over_north = episode_with(north)
    over_both = episode_with(north, south)
    assert set(Episode.objects.covering(north)) == {town, over_north, over_both}
    assert set(Episode.objects.covering(south.pk)) == {town, over_both}
    assert list(Episode.objects.covering(None)) == [town]
