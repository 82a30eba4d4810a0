"""The matching page: this request's proposals only; an unlocated request says the distance is unknown."""

import pytest
from django.urls import reverse

from tests.factories import HelpCategoryFactory, HelpRequestFactory, ResidentFactory, SkillFactory, VolunteerFactory
from tests.matching.test_proposals import propose
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.selectors import rank_volunteers, requests_awaiting_volunteer
from villesolidaire.matching.services import offer_decline

LAT, LON = 48.11, -1.68


@pytest.fixture
def category():
    return HelpCategoryFactory(name="Courses page", bit=29)


def _volunteer(category, first_name, *, near: float, **kwargs):
    volunteer = VolunteerFactory(
        active=True, categories=[category], latitude=LAT + near, longitude=LON, first_name=first_name, **kwargs
    )
    index_volunteer(volunteer)
    return volunteer


def _request(category, *, located: bool, first_name: str):
    where = {"located": True, "latitude": LAT, "longitude": LON} if located else {"located": False}
    return HelpRequestFactory(category=category, resident=ResidentFactory(first_name=first_name, **where))


def test_the_matching_page_shows_only_this_requests_proposals(client, coordinator, category):
    mine = _request(category, located=True, first_name="Ombeline")
    other = _request(category, located=True, first_name="Théodora")
    near = _volunteer(category, "Aurèle", near=0.001)
    far = _volunteer(category, "Bérénice", near=0.002)
    _proposal, [declined] = propose(other, [far])
    offer_decline(offer=declined)  # the other request: everyone asked declined, it awaits a volunteer
    assert list(requests_awaiting_volunteer()) == [other]
    propose(mine, [near])
    html = client.get(reverse("matching:request_matching", args=[mine.pk])).content.decode()
    proposals = html.split('id="propositions-titre"')[1]
    assert "Aurèle" in proposals and "Bérénice" not in proposals
    # The panel of requests left without an answer lists none but this one.
    assert f"Demande n° {other.pk} " not in html


def test_an_unlocated_request_says_distance_unknown_and_ranks_without_it(client, coordinator, category):
    skill = SkillFactory(name="Porter des charges", bit=12)
    category.skills.add(skill)
    request = _request(category, located=False, first_name="Ombeline")
    close_unskilled = _volunteer(category, "Aurèle", near=0.0005)
    far_skilled = _volunteer(category, "Bérénice", near=0.03, skills=[skill])
    ranked = rank_volunteers(request)
    assert [c.volunteer_id for c in ranked] == [far_skilled.pk, close_unskilled.pk]
    assert all(c.distance_km is None for c in ranked)
    html = client.get(reverse("matching:request_matching", args=[request.pk])).content.decode()
    assert "Distance inconnue" in html and "distance inconnue" in html
    assert " km</span>" not in html and "0 km" not in html
    assert "Classement par score : compétences" in html
    # No distance, so no radius is checked and there is none to widen.
    assert "rayon de déplacement," not in html and "Élargir la recherche" not in html
    widened = client.get(reverse("matching:request_matching", args=[request.pk]), {"elargir": "1"})
    assert "recherche élargie" not in widened.content.decode()


def test_a_located_request_still_ranks_by_distance(client, coordinator, category):
    request = _request(category, located=True, first_name="Ombeline")
    near = _volunteer(category, "Aurèle", near=0.001)
    far = _volunteer(category, "Bérénice", near=0.02)
    assert [c.volunteer_id for c in rank_volunteers(request)] == [near.pk, far.pk]
    html = client.get(reverse("matching:request_matching", args=[request.pk])).content.decode()
    assert "Distance inconnue" not in html and " km</span>" in html
    assert "dans leur rayon de déplacement, sont proposées" in html and "Élargir la recherche (rayon × 1,5)" in html


def test_the_message_hint_says_the_sms_does_not_carry_it(client, coordinator, category):
    request = _request(category, located=True, first_name="Ombeline")
    _volunteer(category, "Aurèle", near=0.001)
    html = client.get(reverse("matching:request_matching", args=[request.pk])).content.decode()
    assert "envoyée par SMS ou e-mail" not in html
    assert "le SMS, trop court, ne le reprend pas" in html


def test_each_explanation_folds_under_pourquoi_on_a_phone(client, coordinator, category):
    """On a phone the « Pourquoi » column made the page very long: each explanation is also given
    as a <details> (folded, no JavaScript), the CSS showing it instead of the full list on a narrow
    screen (tests/browser/test_coordinator_pages_layout.py). Both hold the whole explanation."""
    request = _request(category, located=True, first_name="Ombeline")
    _volunteer(category, "Aurèle", near=0.001)
    [candidate] = rank_volunteers(request)
    html = client.get(reverse("matching:request_matching", args=[request.pk])).content.decode()
    wide = html.split('class="explanation why-wide"')[1].split("</ul>")[0]
    folded = html.split('<details class="why-narrow">')[1].split("</details>")[0]
    assert "<summary>Pourquoi" in folded and "ce score pour Aurèle" in folded
    for label, _points in candidate.explanation:
        assert label in wide and label in folded
