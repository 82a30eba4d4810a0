"""Scoring: each component, hard filters, widening — pure Python, no database needed."""

from datetime import date
from types import SimpleNamespace

import pytest

from villesolidaire.core.choices import AVAILABILITY, LANGUAGES
from villesolidaire.matching import scoring
from villesolidaire.matching.scoring import MatchContext

LAT, LON = 48.11, -1.68
KM_LAT = 1 / scoring.KM_PER_DEGREE_LAT  # degrees of latitude per km


def profile(**overrides):
    values = dict(
        volunteer_id=1,
        is_eligible=True,
        latitude=LAT,
        longitude=LON,
        max_distance_km=3.0,
        categories_mask=1 << 2,
        skills_mask=0,
        languages_mask=LANGUAGES.bit_of("fr"),
        availability_mask=0,
    )
    values.update(overrides)
    return SimpleNamespace(**values)


def context(**overrides):
    values = dict(category_bit=1 << 2, latitude=LAT, longitude=LON)
    values.update(overrides)
    return MatchContext(**values)


def test_distance_decays_linearly_to_the_volunteers_own_radius():
    base, distance, explanation = scoring.score_profile(profile(latitude=LAT + 1.2 * KM_LAT), context())
    assert distance == pytest.approx(1.2)
    assert base == pytest.approx(24.0)
    assert explanation[0][0] == "À 1,2 km (rayon accepté 3 km)"
    assert scoring.fr_points(explanation[0][1]) == "+24"
    assert scoring.score_profile(profile(), context())[0] == pytest.approx(scoring.W_DISTANCE)


def test_unknown_position_keeps_the_volunteer_with_zero_distance_points():
    ctx = context()
    unknown = profile(latitude=None, longitude=None)
    assert scoring.passes_hard_filters(unknown, ctx)
    base, distance, explanation = scoring.score_profile(unknown, ctx)
    assert (base, distance) == (0.0, None)
    assert "Distance inconnue" in explanation[0][0]
    request_unknown = context(latitude=None, longitude=None)
    assert scoring.passes_hard_filters(profile(), request_unknown)
    assert scoring.score_profile(profile(), request_unknown)[0] == 0.0


def test_hard_filters():
    ctx = context()
    assert scoring.passes_hard_filters(profile(), ctx)
    assert not scoring.passes_hard_filters(profile(is_eligible=False), ctx)
    assert not scoring.passes_hard_filters(profile(categories_mask=1 << 3), ctx)
    far = profile(latitude=LAT + 3.5 * KM_LAT)
    assert not scoring.passes_hard_filters(far, ctx)


def test_widen_multiplies_the_radius_and_says_so():
    far = profile(latitude=LAT + 3.5 * KM_LAT)
    widened = context(widen=True)
    assert scoring.passes_hard_filters(far, widened)
    base, _distance, explanation = scoring.score_profile(far, widened)
    assert base == pytest.approx(scoring.W_DISTANCE * (1 - 3.5 / 4.5))
    assert "élargi à 4,5 km" in explanation[0][0]


def test_skills_share_points_between_the_categorys_useful_skills():
    ctx = context(skills=((1, "Bricolage"), (4, "Informatique")))
    base_none = scoring.score_profile(profile(), ctx)[0]
    base_one, _d, explanation = scoring.score_profile(profile(skills_mask=1 << 4), ctx)
    base_two = scoring.score_profile(profile(skills_mask=(1 << 1) | (1 << 4) | (1 << 9)), ctx)[0]
    assert base_one - base_none == pytest.approx(scoring.W_SKILLS / 2)
    assert base_two - base_none == pytest.approx(scoring.W_SKILLS)
    assert ("Compétences utiles : Informatique", pytest.approx(10.0)) in explanation


def test_availability_overlap_with_the_wished_time():
    # Tuesday 3 March 2026 to Wednesday 4, mornings.
    mask = scoring.wished_mask_for(date(2026, 3, 3), date(2026, 3, 4), "am")
    assert mask == AVAILABILITY.to_mask(["tue_am", "wed_am"])
    ctx = context(wished_mask=mask, wished_label=scoring.describe_slots(mask))
    assert ctx.wished_label == "mardi, mercredi : matin"
    with_slot = scoring.score_profile(profile(availability_mask=AVAILABILITY.to_mask(["wed_am", "fri_pm"])), ctx)
    without = scoring.score_profile(profile(availability_mask=AVAILABILITY.to_mask(["wed_pm"])), ctx)
    assert with_slot[0] - without[0] == pytest.approx(scoring.W_AVAILABILITY)
    assert without[2][-1][0].startswith("Pas de disponibilité déclarée")


def test_no_wished_time_is_neutral():
    assert scoring.wished_mask_for(None, None, "any") is None
    assert scoring.wished_mask_for(date(2026, 3, 1), date(2026, 3, 20), "any") is None
    assert scoring.wished_mask_for(None, None, "eve") == AVAILABILITY.to_mask(
        [f"{d}_eve" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    )


def test_language_bonus_and_french_is_neutral():
    arabic = context(language_code="ar")
    speaks = scoring.score_profile(profile(languages_mask=LANGUAGES.to_mask(["fr", "ar"])), arabic)
    does_not = scoring.score_profile(profile(), arabic)
    assert speaks[0] - does_not[0] == pytest.approx(scoring.W_LANGUAGE)
    assert speaks[2][-1][0] == "Parle arabe, la langue de la personne"
    french = context(language_code="fr")
    assert scoring.score_profile(profile(languages_mask=0), french)[0] == scoring.score_profile(profile(), french)[0]


def test_load_penalty_is_bounded_and_continuity_is_a_bonus():
    assert scoring.load_penalty(0) == 0
    assert scoring.load_penalty(2) == 2 * scoring.W_LOAD_PER_MISSION
    assert scoring.load_penalty(50) == scoring.MAX_LOAD_PENALTY
    score, explanation = scoring.final_score(30.0, [], recent_missions=2, continuity=True)
    assert score == pytest.approx(30 - 10 + scoring.W_CONTINUITY)
    assert explanation == [
        ("2 missions ces 7 derniers jours", -10.0),
        ("Aide déjà (ou a aidé) cette personne", scoring.W_CONTINUITY),
    ]


def test_french_point_format():
    assert scoring.fr_points(24.0) == "+24"
    assert scoring.fr_points(23.456) == "+23,5"
    assert scoring.fr_points(-10) == "−10"
    assert scoring.fr_points(0.01) == "0"
