"""API Engagement's title rules (needs.moderation) and the need form that applies them."""

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory, UserFactory, login_staff, staff_user
from tests.factories.needs import NEED_FORM_DATA, NeedFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.needs.demo import seed_needs_demo
from villesolidaire.needs.models import Need
from villesolidaire.needs.moderation import (
    TITLE_ENCODING,
    TITLE_MISSING,
    TITLE_ONE_WORD,
    normalise_title,
    title_problems,
)

# ---------------------------------------------------------------- title_problems


@pytest.mark.parametrize(
    "title",
    [
        "Tri à la banque alimentaire",
        "Collecte nationale : accueil des donateurs",
        "Aide aux devoirs",
        "Maraude !",  # any two space-separated pieces pass, as upstream
        "Tom &amp; Jerry au centre social",  # one entity level is decoded, as upstream
        "Atelier cuisine &eacute;t&eacute;",
        "R&D : atelier vélo",  # a bare « & » is no encoding problem
    ],
)
def test_accepted_titles(title):
    assert title_problems(title) == []


@pytest.mark.parametrize("title", ["", " ", "   ", "\t\n", None, "&#32;", "&nbsp;"])
def test_missing_title(title):
    assert title_problems(title) == [TITLE_MISSING]


@pytest.mark.parametrize(
    "title",
    [
        "Bénévole",
        "Maraude",
        "  Distribution  ",  # surrounding spaces do not make a second word (stricter than upstream)
        "Maraude\u00a0!",  # a no-break space is no word separator there
        "Aide\taux\tdevoirs",  # nor a tab
        "Aide&#160;aux&#160;devoirs",  # decoded: no-break spaces
    ],
)
def test_one_word_titles(title):
    assert title_problems(title) == [TITLE_ONE_WORD]


@pytest.mark.parametrize(
    "title",
    [
        "Atelier probl&amp;#232;me de vélo",  # encoded twice: « &# » is left after decoding
        "Collecte &#&#  nationale",
        "Tri &#x &#y à la banque",
    ],
)
def test_encoding_problem(title):
    assert title_problems(title) == [TITLE_ENCODING]


def test_every_problem_is_told():
    assert title_problems("Probl&amp;#232;me") == [TITLE_ENCODING, TITLE_ONE_WORD]


def test_messages_are_french_and_name_the_platform():
    for message in (TITLE_ENCODING, TITLE_ONE_WORD):
        assert "API Engagement" in message
    assert TITLE_MISSING == "Donnez un titre au besoin."


# ---------------------------------------------------------------- normalise_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Aide   aux devoirs ", "Aide aux devoirs"),
        ("Maraude\u00a0!", "Maraude !"),
        ("Fête\u202fdes\tvoisins\n", "Fête des voisins"),
        ("Tom &amp; Jerry", "Tom &amp; Jerry"),  # entities are left for title_problems
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_title(raw, expected):
    assert normalise_title(raw) == expected


def test_normalising_fixes_what_only_whitespace_broke():
    assert title_problems("Maraude\u00a0!") == [TITLE_ONE_WORD]
    assert title_problems(normalise_title("Maraude\u00a0!")) == []


# ---------------------------------------------------------------- need form


@pytest.fixture
def coordinator(client):
    TownFactory()
    user = staff_user(Role.COORDINATOR)
    login_staff(client, user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "message"),
    [("Bénévole", TITLE_ONE_WORD), ("Probl&amp;#232;me de tri", TITLE_ENCODING)],
)
def test_form_refuses_a_title_api_engagement_would_refuse(client, coordinator, title, message):
    response = client.post(reverse("needs:staff_create"), NEED_FORM_DATA | {"title": title})
    assert response.status_code == 400
    assert not Need.objects.exists()
    errors = response.context["form"].errors["title"]
    assert errors == [message]
    assert "API Engagement refuse" in response.content.decode()


@pytest.mark.django_db
def test_form_stores_the_normalised_title(client, coordinator):
    response = client.post(reverse("needs:staff_create"), NEED_FORM_DATA | {"title": "  Maraude\u00a0! "})
    assert response.status_code == 302
    assert Need.objects.get().title == "Maraude !"


@pytest.mark.django_db
def test_form_shows_the_rule_before_it_is_broken(client, coordinator):
    page = client.get(reverse("needs:staff_create")).content.decode()
    assert "Au moins deux mots" in page


# ---------------------------------------------------------------- our own data


def test_factory_titles_follow_the_rules():
    assert all(title_problems(NeedFactory.build().title) == [] for _ in range(3))


@pytest.mark.django_db
def test_demo_titles_follow_the_rules():
    TownFactory()
    seed_needs_demo(random.Random(1), today=timezone.localdate(), coordinator=UserFactory())
    titles = list(Need.objects.values_list("title", flat=True))
    assert len(titles) == 5
    assert {title: title_problems(title) for title in titles if title_problems(title)} == {}
