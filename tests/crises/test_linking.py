"""Requests, supports, missions and needs get, from their own creating service, the crisis episode
they were raised during (crises.selectors.episode_for)."""

import datetime

from django.utils import timezone

from tests.factories import HelpRequestFactory, QuartierFactory, ResidentFactory, SupportFactory, VolunteerFactory
from tests.factories.crises import EpisodeFactory, episode_with
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.services import help_request_create
from villesolidaire.missions.services import mission_plan, support_create
from villesolidaire.needs.models import Need
from villesolidaire.needs.services import need_save

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def create_request(resident, category):
    data = {"category": category, "description": "Courses"}
    return help_request_create(resident=resident, data=data, channel=Channel.HOTLINE, by=None)


def test_a_request_gets_the_episode_over_its_residents_quartier(category):
    north, south = QuartierFactory(), QuartierFactory()
    episode = episode_with(north, starts_on=TODAY - DAY)
    assert create_request(ResidentFactory(quartier=north), category).episode == episode
    assert create_request(ResidentFactory(quartier=south), category).episode is None
    assert create_request(ResidentFactory(quartier=None), category).episode is None


def test_a_request_gets_a_whole_town_episode_and_the_latest_of_two(category):
    quartier = QuartierFactory()
    town = EpisodeFactory(starts_on=TODAY - 3 * DAY)
    assert create_request(ResidentFactory(quartier=None), category).episode == town
    later = episode_with(quartier, starts_on=TODAY)
    assert create_request(ResidentFactory(quartier=quartier), category).episode == later
    assert create_request(ResidentFactory(quartier=QuartierFactory()), category).episode == town


def test_no_episode_no_link(category):
    EpisodeFactory(starts_on=TODAY - 9 * DAY, ends_on=TODAY - 2 * DAY)  # over
    assert create_request(ResidentFactory(), category).episode is None


def test_a_support_inherits_its_requests_episode():
    episode = EpisodeFactory(starts_on=TODAY)
    help_request = HelpRequestFactory(episode=episode)
    support = support_create(
        help_request=help_request, volunteer=VolunteerFactory(active=True), started_at=timezone.now(), by=None
    )
    assert support.episode == episode
    other = support_create(
        help_request=HelpRequestFactory(), volunteer=VolunteerFactory(active=True), started_at=timezone.now(), by=None
    )
    assert other.episode is None


def test_a_mission_gets_the_episode_of_its_day_else_its_supports():
    quartier = QuartierFactory()
    raised_during = EpisodeFactory(starts_on=TODAY - 30 * DAY, ends_on=TODAY - 20 * DAY)
    coming = episode_with(quartier, starts_on=TODAY + 5 * DAY, ends_on=TODAY + 7 * DAY)
    support = SupportFactory(help_request__resident__quartier=quartier, episode=raised_during)
    in_coming = timezone.now() + 6 * DAY
    assert mission_plan(support=support, scheduled_at=in_coming, by=None, inform=False).episode == coming
    assert mission_plan(support=support, scheduled_at=timezone.now(), by=None, inform=False).episode == raised_during
    elsewhere = SupportFactory(help_request__resident__quartier=QuartierFactory())
    assert mission_plan(support=elsewhere, scheduled_at=in_coming, by=None, inform=False).episode is None


def need(quartier) -> Need:
    return Need(title="Distribution d'eau", description="Bouteilles aux personnes isolées", quartier=quartier)


def test_a_need_gets_the_episode_over_its_quartier_when_created():
    north, south = QuartierFactory(), QuartierFactory()
    episode = episode_with(north, starts_on=TODAY)
    created = need_save(need=need(north), by=None, address_changed=False)
    assert created.episode == episode
    assert need_save(need=need(south), by=None, address_changed=False).episode is None
    # An edit does not move it.
    created.episode = None
    need_save(need=created, by=None, address_changed=False)
    created.refresh_from_db()
    assert created.episode is None
