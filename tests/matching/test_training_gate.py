"""Categories that require trainings: matching excludes volunteers without a valid one, says
how many it left out, and offers to invite them. Without requirements nothing changes."""

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.confirmation import post_and_confirm
from tests.factories import (
    HelpCategoryFactory,
    HelpRequestFactory,
    ResidentFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.trainings import TrainingModuleFactory, TrainingSessionFactory, VolunteerTrainingFactory
from tests.matching.helpers import LAT, LON, random_profiles
from villesolidaire.matching import scoring, selectors
from villesolidaire.matching.index import index_volunteer, rebuild_index
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Message
from villesolidaire.trainings.models import TrainingInvitation

GATED = [
    dict(category_bit=1 << 0, latitude=LAT, longitude=LON, required_trainings=((1, "A"),)),
    dict(
        category_bit=1 << 1, latitude=None, longitude=None, skills=((2, "S"),), required_trainings=((0, "A"), (3, "B"))
    ),
    dict(
        category_bit=1 << 2,
        latitude=LAT,
        longitude=LON,
        widen=True,
        wished_mask=0b111,
        wished_label="x",
        required_trainings=((2, "C"),),
    ),
]


def _random_trainings(seed: int) -> None:
    rng = random.Random(seed)
    profiles = list(VolunteerMatchProfile.objects.all())
    for profile in profiles:
        profile.trainings_mask = rng.getrandbits(4)
    VolunteerMatchProfile.objects.bulk_update(profiles, ["trainings_mask"])


@pytest.mark.parametrize("context_values", GATED)
def test_sql_filter_and_exclusion_counts_equal_the_python_rules(context_values):
    random_profiles(300, seed=11)
    _random_trainings(4)
    context = scoring.MatchContext(**context_values)
    profiles = list(VolunteerMatchProfile.objects.all())
    sql_ids = {row["volunteer_id"] for row in selectors.candidate_rows(context)}
    assert sql_ids == {p.volunteer_id for p in profiles if scoring.passes_hard_filters(p, context)}
    assert 10 < len(sql_ids)

    ungated = scoring.MatchContext(**{**context_values, "required_trainings": ()})
    others = [p for p in profiles if scoring.passes_hard_filters(p, ungated)]
    exclusions = selectors.training_exclusions(context)
    assert exclusions.total == sum(1 for p in others if not scoring.holds_required_trainings(p, context)) > 0
    for exclusion in exclusions.modules:
        assert exclusion.count == sum(1 for p in others if not p.trainings_mask & (1 << exclusion.bit))

    lacking = selectors.volunteers_lacking_training(context, context.required_trainings[0][0], limit=15)
    expected = sorted(
        (p for p in others if not p.trainings_mask & (1 << context.required_trainings[0][0])),
        key=lambda p: (-scoring.score_profile(p, context)[0], p.volunteer_id),
    )
    assert lacking == [p.volunteer_id for p in expected[:15]]


def test_without_requirements_the_statement_is_the_former_one():
    context = scoring.MatchContext(category_bit=1, latitude=LAT, longitude=LON)
    sql, params = selectors.candidate_sql(context, limit=20)
    assert "trainings_mask &" not in sql and "required_mask" not in params
    assert selectors.training_exclusions(context).total == 0


def test_ranking_stays_exact_with_requirements_and_drops_expired_trainings(django_assert_max_num_queries):
    random_profiles(200, seed=5)
    _random_trainings(9)
    context = scoring.MatchContext(
        category_bit=1 << 1, latitude=LAT, longitude=LON, skills=((1, "A"),), required_trainings=((0, "A"),)
    )
    # The index says these volunteers hold bit 0, but only some hold a training still valid today.
    holders = [p.volunteer_id for p in VolunteerMatchProfile.objects.all() if p.trainings_mask & 1]
    module = TrainingModuleFactory()
    assert module.bit == 0
    today = timezone.localdate()
    expired = set(holders[::3])
    for volunteer_id in holders:
        ended = volunteer_id in expired
        VolunteerTrainingFactory(
            volunteer_id=volunteer_id,
            module=module,
            completed_on=today - datetime.timedelta(days=800 if ended else 10),
            expires_on=today - datetime.timedelta(days=1) if ended else None,
        )
    profiles = list(VolunteerMatchProfile.objects.all())
    for limit in (3, 10, 40):
        ranked = selectors.rank_for_context(context, limit=limit)
        brute = sorted(
            (-scoring.score_profile(p, context)[0], p.volunteer_id)
            for p in profiles
            if scoring.passes_hard_filters(p, context) and p.volunteer_id not in expired
        )
        assert [c.volunteer_id for c in ranked] == [volunteer_id for _s, volunteer_id in brute[:limit]]
        assert not expired & {c.volunteer_id for c in ranked}
    assert ranked[0].explanation[-2][0] == "Formation exigée suivie : « A »"


@pytest.fixture
def gated_request():
    category = HelpCategoryFactory(name="Accompagnement test")
    module = TrainingModuleFactory(title="Accompagnement des personnes âgées", required_for=[category])
    resident = ResidentFactory(located=True, latitude=LAT, longitude=LON)
    help_request = HelpRequestFactory(resident=resident, category=category)
    trained = VolunteerFactory(active=True, categories=[category], latitude=LAT, longitude=LON, last_name="Formée")
    VolunteerTrainingFactory(volunteer=trained, module=module)
    untrained = [VolunteerFactory(active=True, categories=[category], latitude=LAT, longitude=LON) for _ in range(3)]
    lapsed = VolunteerFactory(active=True, categories=[category], latitude=LAT, longitude=LON)
    VolunteerTrainingFactory(
        volunteer=lapsed,
        module=module,
        completed_on=timezone.localdate() - datetime.timedelta(days=800),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    rebuild_index()
    return help_request, module, trained, untrained + [lapsed]


def test_rank_volunteers_keeps_only_trained_volunteers(gated_request):
    help_request, _module, trained, excluded = gated_request
    assert [c.volunteer_id for c in selectors.rank_volunteers(help_request)] == [trained.pk]
    # Once trained, a volunteer is proposed.
    index_volunteer(excluded[0])
    VolunteerTrainingFactory(volunteer=excluded[0], module=_module)
    index_volunteer(excluded[0])
    assert {c.volunteer_id for c in selectors.rank_volunteers(help_request)} == {trained.pk, excluded[0].pk}


def test_matching_page_says_who_is_excluded_and_invites_them(client, gated_request):
    help_request, module, trained, excluded = gated_request
    login_staff(client, staff_user())
    page = client.get(reverse("matching:request_matching", args=[help_request.pk])).content.decode()
    assert "4 volontaires correspondants exclus : formation « Accompagnement des personnes âgées » manquante." in page
    invite_url = reverse("matching:invite_for_training", args=[module.pk, help_request.pk])
    assert invite_url in page
    assert "Formée" in page

    listing = client.get(invite_url).content.decode()
    assert "Aucune session à venir n'a de places" in listing
    for volunteer in excluded:
        assert f'value="{volunteer.pk}"' in listing
    assert f'value="{trained.pk}"' not in listing

    refused = client.post(invite_url, {"volunteers": [excluded[0].pk]}, follow=True)
    assert "Aucune session à venir avec des places" in refused.content.decode()
    assert not TrainingInvitation.objects.exists()

    TrainingSessionFactory(module=module)
    # Someone who is not in the list (already trained) cannot be slipped in: nothing is sent.
    slipped = client.post(invite_url, {"volunteers": [excluded[0].pk, trained.pk]})
    assert slipped.status_code == 400 and "relancez la recherche" in slipped.content.decode()
    assert not TrainingInvitation.objects.exists()
    page, response = post_and_confirm(client, invite_url, {"volunteers": [excluded[0].pk, excluded[1].pk]})
    assert "Vous allez envoyer ce message à 2 personnes" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse(
        "matching:request_matching", args=[help_request.pk]
    )
    assert set(TrainingInvitation.objects.values_list("volunteer_id", flat=True)) == {excluded[0].pk, excluded[1].pk}
    assert Message.objects.filter(kind="training_invitation").count() == 2


def test_matching_page_of_a_category_without_requirement_shows_nothing_about_trainings(client):
    help_request = HelpRequestFactory(resident=ResidentFactory(located=True))
    login_staff(client, staff_user())
    page = client.get(reverse("matching:request_matching", args=[help_request.pk])).content.decode()
    assert "Formations exigées" not in page and "formation" not in page.lower().split("<main")[1].split("</main>")[0]
