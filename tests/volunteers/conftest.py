from datetime import timedelta

import pytest
from django.utils import timezone

from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.territory.models import BanAddress
from villesolidaire.volunteers.models import RecruitmentCall, Skill


@pytest.fixture
def open_call() -> RecruitmentCall:
    now = timezone.now()
    return RecruitmentCall.objects.create(
        title="Appel printemps", opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=19)
    )


@pytest.fixture
def groceries() -> HelpCategory:
    return HelpCategory.objects.get(slug="courses")


@pytest.fixture
def driving() -> Skill:
    return Skill.objects.get(bit=0)


def signup_data(**overrides) -> dict:
    """A complete, valid sign-up as a browser would post it. The default category and skill are
    the seeded ones, only read when not given (a transactional test may have emptied them)."""
    data = {
        "first_name": "Camille",
        "last_name": "N'Diaye-Lefèvre",
        "email": "Camille.Ndiaye@example.org",
        "phone": "06 12 34 56 78",
        "birth_year": "1988",
        "address": "4 rue des Lilas",
        "address_complement": "",
        "postcode": "99100",
        "city": "Bourg-Solidaire",
        "categories": None if "categories" in overrides else [str(HelpCategory.objects.get(slug="courses").pk)],
        "skills": None if "skills" in overrides else [str(Skill.objects.get(bit=0).pk)],
        "skills_other": "Jardinage",
        "languages": ["fr", "es"],
        "availability": ["mon_am", "sat_pm"],
        "mobility": ["bike"],
        "domains": ["solidarity"],
        "max_distance_km": "4",
        "gdpr_acknowledged": "on",
        "charter_accepted": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def lilas_address(*, longitude: float = -1.68, latitude: float = 48.11) -> BanAddress:
    """The BAN address the sign-up data gives (« 4 rue des Lilas, 99100 Bourg-Solidaire »)."""
    return BanAddress.objects.create(
        ban_id="99100_0001_00004",
        numero="4",
        nom_voie="Rue des Lilas",
        code_postal="99100",
        code_insee="99100",
        nom_commune="Bourg-Solidaire",
        longitude=longitude,
        latitude=latitude,
        search_text="rue des lilas bourg solidaire",
    )
