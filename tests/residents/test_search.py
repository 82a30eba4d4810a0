import pytest

from tests.factories import ResidentFactory
from villesolidaire.core.validation import parse_phone
from villesolidaire.residents.models import Resident


@pytest.mark.parametrize("typed", ["01 40 00 00 07", "0140000007", "+33 1 40 00 00 07", "01.40.00.00.07"])
def test_phone_search_normalises_what_is_typed(typed):
    resident = ResidentFactory(phone="+33140000007")
    ResidentFactory(phone="+33140000008")
    assert list(Resident.objects.search(typed)) == [resident]


def test_phone_search_matches_the_mobile_too():
    resident = ResidentFactory(mobile="+33611223344")
    assert list(Resident.objects.search("06 11 22 33 44")) == [resident]


def test_name_search_ignores_accents_case_and_word_order_and_filters_birth_year():
    helene = ResidentFactory(first_name="Hélène", last_name="Lefèvre", birth_year=1941)
    ResidentFactory(first_name="Hélène", last_name="Lefèvre", birth_year=1970)
    unknown_year = ResidentFactory(first_name="Hélène", last_name="Lefèvre", birth_year=None)
    assert set(Resident.objects.search("helene LEFEVRE", 1941)) == {helene, unknown_year}


def test_search_leaves_out_merged_files():
    target = ResidentFactory(last_name="Durand")
    ResidentFactory(last_name="Durand", merged_into=target)
    assert list(Resident.objects.search("durand")) == [target]


@pytest.mark.parametrize("typed", ["", "12", "abc", "06 12"])
def test_parse_phone_refuses_what_is_not_a_number(typed):
    assert parse_phone(typed) is None


PHONE_FORMATS = [
    "06 12 34 56 78",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "+33 6 12 34 56 78",
    "+33 (0)6 12 34 56 78",
    "0033 6 12 34 56 78",
    "33612345678",
    "6 12 34 56 78",
]


@pytest.mark.parametrize("typed", PHONE_FORMATS)
def test_phone_search_reads_every_french_way_of_typing_a_number(typed):
    resident = ResidentFactory(mobile="+33612345678")
    ResidentFactory(mobile="+33612345679")
    assert list(Resident.objects.search(typed)) == [resident]


@pytest.mark.parametrize(("stored", "typed"), [("+33639980001", "06 39 98 00 01"), ("+33199007171", "01.99.00.71.71")])
def test_phone_search_finds_numbers_the_strict_validator_refuses(stored, typed):
    resident = ResidentFactory(phone=stored)
    assert list(Resident.objects.search(typed)) == [resident]


def test_digits_that_are_no_number_find_nothing_rather_than_a_name():
    ResidentFactory(last_name="Martin")
    assert not Resident.objects.search("06 12").exists()


@pytest.mark.parametrize(
    "typed",
    [
        "dupon",  # the start of the name
        "Dupont Marie Therese",  # no accents, names in another order
        "marie-thérèse dupont",  # hyphen
        "Dupomt",  # one letter substituted
        "Dupnt",  # one letter left out
        "Duppont",  # one letter too many
        "Dpuont",  # two letters swapped
        "Dupond",  # sounds the same
        "Thereze Dupont",  # sounds the same (two letters apart)
        "martin",  # one of a compound name's parts
        "Dupont née Martin",  # maiden name written as « née »
    ],
)
def test_name_search_forgives(typed):
    resident = ResidentFactory(first_name="Marie-Thérèse", last_name="Dupont-Martin")
    ResidentFactory(first_name="Paul", last_name="Bernard")
    assert list(Resident.objects.search(typed)) == [resident]


def test_name_search_shows_the_closest_names_first_and_leaves_out_the_far_ones():
    exact = ResidentFactory(first_name="Jeanne", last_name="Martin")
    ResidentFactory(first_name="Jeannette", last_name="Martinez")
    typo = ResidentFactory(first_name="Jeanne", last_name="Martins")
    assert list(Resident.objects.search("Jeanne Martin")) == [exact, typo]


def test_name_search_keys_follow_a_changed_name():
    resident = ResidentFactory(first_name="Paul", last_name="Bernard")
    resident.last_name = "Lefebvre"
    resident.save(update_fields=["last_name"])
    assert list(Resident.objects.search("lefevre")) == [resident]
    assert not Resident.objects.search("bernard").exists()
