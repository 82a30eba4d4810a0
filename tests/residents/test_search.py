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
