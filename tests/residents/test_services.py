import pytest

from tests.factories import HelpRequestFactory, ResidentFactory, SupportFactory, staff_user
from villesolidaire.core.validation import parse_phone
from villesolidaire.notifications.models import CallTask
from villesolidaire.residents.models import Resident, ResidentContact
from villesolidaire.residents.services import MergeError, resident_create, resident_find_or_create, resident_merge


def test_merge_moves_everything_and_hides_the_source(category):
    target = ResidentFactory(email="", notes="", birth_year=None, address="")
    source = ResidentFactory(
        email="jeanne@example.org", birth_year=1938, with_mobile=True, address="3 rue Haute", city="Ailleurs"
    )
    request = HelpRequestFactory(resident=source, category=category)
    support = SupportFactory(help_request=request)
    task = CallTask.objects.create(resident=source, reason="Rappeler", kind="test")
    contact = ResidentContact.objects.create(resident=source, name="Paul Martin", relation="fils")
    older_duplicate = ResidentFactory(merged_into=source)

    resident_merge(source=source, target=target, by=staff_user())

    for row in (request, support, task, contact):
        row.refresh_from_db()
        assert row.resident_id == target.pk
    source.refresh_from_db()
    target.refresh_from_db()
    older_duplicate.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert older_duplicate.merged_into_id == target.pk
    # Empty fields of the kept file are completed, filled ones are kept.
    assert target.email == "jeanne@example.org"
    assert target.birth_year == 1938
    assert target.mobile == source.mobile
    assert target.address == "3 rue Haute" and target.city == "Ailleurs"
    assert target.phone != source.phone
    assert source not in Resident.objects.active()
    assert source not in Resident.objects.search(source.phone.as_national)
    assert source not in Resident.objects.search(source.last_name)


def test_merge_refuses_same_file_and_already_merged():
    resident = ResidentFactory()
    with pytest.raises(MergeError):
        resident_merge(source=resident, target=resident, by=None)
    other = ResidentFactory()
    resident_merge(source=other, target=resident, by=None)
    with pytest.raises(MergeError, match="déjà été fusionnée"):
        resident_merge(source=other, target=resident, by=None)


def test_create_puts_a_mobile_in_mobile_and_flags_an_unknown_address():
    resident = resident_create(
        data={
            "first_name": "Jeanne",
            "last_name": "Martin",
            "any_phone": _number("06 12 34 56 78"),
            "address": "99 chemin introuvable",
            "postcode": "",
            "city": "",
        },
        by=None,
    )
    assert resident.mobile.as_e164 == "+33612345678" and not resident.phone
    assert resident.address == "99 chemin introuvable" and resident.is_located is False


def test_find_or_create_reuses_the_file_with_that_landline_or_mobile():
    known = ResidentFactory(with_mobile=True)
    found, created = resident_find_or_create(
        data={"first_name": "X", "last_name": "Y", "any_phone": known.mobile}, by=None
    )
    assert (found, created) == (known, False)
    found, created = resident_find_or_create(
        data={"first_name": "X", "last_name": "Y", "any_phone": known.phone}, by=None
    )
    assert (found, created) == (known, False)


def _number(text):
    return parse_phone(text)
