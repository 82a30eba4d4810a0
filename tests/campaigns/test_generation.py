"""Generating a campaign's call list: filters give exact counts, priority order, no duplicates."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import QuartierFactory, ResidentFactory
from tests.factories.campaigns import NOW, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory, isolated
from villesolidaire.campaigns.models import CallTarget, CampaignTransition
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_refresh
from villesolidaire.campaigns.services.episodes import episode_close
from villesolidaire.register.models import EntryStatus, Ground, RemovalReason


@pytest.fixture
def town():
    """Two quartiers; 12 current entries and 2 removed ones, known ages, grounds and isolation."""
    north, south = QuartierFactory(name="Nord"), QuartierFactory(name="Sud")
    e = RegisterEntryFactory
    people = {
        "n_old_alone": isolated(e(quartier=north, birth_date=datetime.date(1930, 1, 1))),
        "n_80": e(quartier=north, birth_date=datetime.date(1946, 1, 1)),
        "n_70": e(quartier=north, birth_date=datetime.date(1956, 1, 1)),
        "n_disabled": e(quartier=north, birth_date=datetime.date(1980, 1, 1), ground=Ground.DISABLED_ADULT),
        "n_not_alone": isolated(e(quartier=north, birth_date=datetime.date(1935, 1, 1)), lives_alone=False),
        "s_alone_70": isolated(e(quartier=south, birth_date=datetime.date(1956, 6, 1))),
        "s_90": e(quartier=south, birth_date=datetime.date(1936, 1, 1)),
        "s_66": e(quartier=south, birth_date=datetime.date(1960, 1, 1)),
        "s_unfit": e(quartier=south, birth_date=datetime.date(1964, 1, 1), ground=Ground.AGE_60_UNFIT),
        "s_received": e(quartier=south, birth_date=datetime.date(1950, 1, 1), status=EntryStatus.RECEIVED),
        "nowhere_85": e(quartier=None, birth_date=datetime.date(1941, 1, 1)),
        "nowhere_alone": isolated(e(quartier=None, birth_date=datetime.date(1950, 1, 1))),
    }
    e(
        quartier=north,
        status=EntryStatus.REMOVED,
        removal_reason=RemovalReason.DEATH,
        removed_on=datetime.date(2026, 1, 1),
    )
    e(
        quartier=south,
        status=EntryStatus.REMOVED,
        removal_reason=RemovalReason.REQUEST,
        removed_on=datetime.date(2026, 1, 1),
    )
    return north, south, people


def targeted(campaign):
    return set(CallTarget.objects.filter(campaign=campaign).values_list("entry_id", flat=True))


def test_whole_town_episode_targets_every_current_entry(town):
    campaign = campaign_for(episode_with())
    assert campaign.targets_count == 12
    assert len(targeted(campaign)) == 12
    assert CampaignTransition.objects.get(campaign=campaign).to_status == "active"


def test_default_quartiers_are_the_episode_s(town):
    north, _south, people = town
    campaign = campaign_for(episode_with(north))
    assert targeted(campaign) == {p.pk for k, p in people.items() if k.startswith("n_")}
    assert list(campaign.quartiers.all()) == [north]


def test_filters_combine(town):
    north, south, people = town
    episode = episode_with()
    assert targeted(campaign_for(episode, quartiers=(south,))) == {
        p.pk for k, p in people.items() if k.startswith("s_")
    }
    assert targeted(campaign_for(episode, isolated_only=True)) == {
        people["n_old_alone"].pk,
        people["s_alone_70"].pk,
        people["nowhere_alone"].pk,
    }
    # Age by year of birth, in the campaign's year (2026): 80+ means born in 1946 or before.
    assert targeted(campaign_for(episode, min_age=80)) == {
        people[k].pk for k in ("n_old_alone", "n_80", "n_not_alone", "s_90", "nowhere_85")
    }
    assert targeted(campaign_for(episode, grounds=(Ground.DISABLED_ADULT, Ground.AGE_60_UNFIT))) == {
        people["n_disabled"].pk,
        people["s_unfit"].pk,
    }
    assert targeted(campaign_for(episode, quartiers=(north,), isolated_only=True, min_age=90)) == {
        people["n_old_alone"].pk
    }


def test_linked_residents_who_agreed_are_added_outside_the_filters(town):
    _north, south, people = town
    linked = people["n_70"]
    linked.resident = ResidentFactory()
    linked.resident_link_consent_on = datetime.date(2026, 6, 1)
    linked.save()
    campaign = campaign_for(episode_with(), quartiers=(south,), include_linked_residents=True)
    assert targeted(campaign) == {p.pk for k, p in people.items() if k.startswith("s_")} | {linked.pk}


def test_priority_order_isolated_first_then_oldest_then_quartier(town):
    _north, _south, people = town
    campaign = campaign_for(episode_with())
    order = list(
        CallTarget.objects.filter(campaign=campaign)
        .order_by("priority", "next_call_at", "rank")
        .values_list("entry_id", flat=True)
    )
    names = {p.pk: k for k, p in people.items()}
    assert [names[pk] for pk in order[:3]] == ["n_old_alone", "nowhere_alone", "s_alone_70"]
    assert [names[pk] for pk in order[3:6]] == ["n_not_alone", "s_90", "nowhere_85"]
    assert set(CallTarget.objects.filter(campaign=campaign, priority=0).values_list("entry_id", flat=True)) == {
        people["n_old_alone"].pk,
        people["nowhere_alone"].pk,
        people["s_alone_70"].pk,
    }


def test_refresh_adds_only_new_entries_once(town):
    north, _south, _people = town
    campaign = campaign_for(episode_with(north))
    before = campaign.targets_count
    newcomer = RegisterEntryFactory(quartier=north)
    assert campaign_refresh(campaign=campaign, by=officer()) == 1
    assert campaign_refresh(campaign=campaign, by=officer()) == 0
    campaign.refresh_from_db()
    assert campaign.targets_count == before + 1
    assert newcomer.pk in targeted(campaign)


def test_generation_runs_a_fixed_number_of_queries_and_never_decrypts(town, monkeypatch):
    from villesolidaire.core import crypto

    def no_decrypt(_value):
        raise AssertionError("generation must not decrypt register fields")

    episode = episode_with()
    user = officer()
    monkeypatch.setattr(crypto, "decrypt", no_decrypt)
    with CaptureQueriesContext(connection) as with_12:
        campaign_for(episode, by=user)
    monkeypatch.undo()
    for _ in range(30):
        RegisterEntryFactory()
    monkeypatch.setattr(crypto, "decrypt", no_decrypt)
    with CaptureQueriesContext(connection) as with_42:
        campaign_for(episode, by=user)
    assert len(with_12) == len(with_42)
    assert CallTarget.objects.filter(campaign__episode=episode).count() == 12 + 42


def test_a_closed_episode_refuses_new_campaigns(town):
    episode = episode_with()
    episode_close(episode=episode, by=officer(), ends_on=datetime.date(2026, 7, 20))
    with pytest.raises(CampaignError, match="clos"):
        campaign_for(episode)


def test_next_call_at_is_the_creation_time(town):
    campaign = campaign_for(episode_with())
    assert set(CallTarget.objects.filter(campaign=campaign).values_list("next_call_at", flat=True)) == {NOW}
