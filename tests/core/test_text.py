import pytest
from django.template import Context, Template

from villesolidaire.core.text import count_of, with_de


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Odette Roy", "d'Odette Roy"),
        ("Épicerie solidaire", "d'Épicerie solidaire"),
        ("Agathe", "d'Agathe"),
        ("Marcel", "de Marcel"),
        ("Yves", "d'Yves"),
        ("", "de "),
    ],
)
def test_de_is_elided_before_a_vowel(name, expected):
    assert with_de(name) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 personne"), (1, "1 personne"), (2, "2 personnes"), (292, "292 personnes")],
)
def test_count_of_uses_the_french_singular_for_zero_and_one(count, expected):
    assert count_of(count, "personne") == expected
    assert count_of(count, "créneau", "créneaux").endswith("créneaux" if count > 1 else "créneau")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0 créneau inscription"),
        (1, "1 créneau inscription"),
        (3, "3 créneaux inscriptions"),
        ("x", "x créneau inscription"),
    ],
)
def test_plural_filter_uses_the_french_singular_for_zero_and_one(value, expected):
    template = Template('{% load plurals %}{{ n }} créneau{{ n|plural:"x" }} inscription{{ n|plural }}')
    assert template.render(Context({"n": value})) == expected


def test_plural_filter_counts_a_collection_and_takes_two_forms():
    template = Template('{% load plurals %}{{ rows|length }} anim{{ rows|plural:"al,aux" }}')
    assert template.render(Context({"rows": [1]})) == "1 animal"
    assert template.render(Context({"rows": [1, 2]})) == "2 animaux"
