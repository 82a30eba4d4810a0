"""The register's forgiving name search: on encrypted names, through keyed hashes only."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories.register import RegisterEntryFactory
from villesolidaire.audit.models import AuditEntry
from villesolidaire.core.text import fold
from villesolidaire.register.models import EntryStatus, RegisterEntry, RegisterSearchKey


@pytest.fixture
def dupont():
    RegisterEntryFactory(last_name="Bernard", first_names="Paul")
    return RegisterEntryFactory(last_name="Dupont-Martin", first_names="Marie-Thérèse Odile")


@pytest.mark.parametrize(
    "typed",
    [
        "dupon",
        "Dupont Marie Therese",
        "marie-thérèse dupont",
        "Odile Martin",
        "Dupomt",
        "Dupnt",
        "Duppont",
        "Dpuont",
        "Dupond",
        "Tereze Dupont",
        "Dupont née Martin",
    ],
)
def test_name_search_forgives(dupont, typed):
    assert list(RegisterEntry.objects.search_name(typed)) == [dupont]


def test_name_search_ranks_the_exact_name_first():
    exact = RegisterEntryFactory(last_name="Martin", first_names="Jeanne")
    RegisterEntryFactory(last_name="Martinez", first_names="Jeannette")
    close = RegisterEntryFactory(last_name="Martins", first_names="Jeanne")
    assert list(RegisterEntry.objects.search_name("jeanne martin")) == [exact, close]


@pytest.mark.parametrize(
    "typed", ["06 12 34 56 78", "+33 (0)6 12 34 56 78", "0033612345678", "33 6 12 34 56 78", "6 12 34 56 78"]
)
def test_phone_search_reads_every_french_way_of_typing_a_number(typed):
    entry = RegisterEntryFactory(phone="+33612345678")
    RegisterEntryFactory(phone="+33612345679")
    assert list(RegisterEntry.objects.matching_phone(typed)) == [entry]


def test_phone_search_finds_a_fiction_range_number():
    entry = RegisterEntryFactory(phone="+33639980001")
    assert list(RegisterEntry.objects.matching_phone("06 39 98 00 01")) == [entry]


def test_stored_search_keys_hold_no_name_word_or_prefix_in_clear(dupont):
    keys = list(RegisterSearchKey.objects.filter(entry=dupont).values_list("key", flat=True))
    assert len(keys) > 20
    assert all(re.fullmatch(r"[0-9a-f]{16}", key) for key in keys)
    clear = set()
    for word in fold(f"{dupont.last_name} {dupont.first_names}").split():
        clear.update(word[:n] for n in range(3, len(word) + 1))
    stored = " ".join(keys)
    assert not [text for text in clear if text in stored]


def test_keys_follow_the_name_and_go_with_the_personal_data():
    entry = RegisterEntryFactory(last_name="Bernard", first_names="Paul")
    entry.last_name = "Lefebvre"
    entry.save()
    assert list(RegisterEntry.objects.search_name("Lefèvre Paul")) == [entry]
    assert not RegisterEntry.objects.search_name("Bernard").exists()
    entry.status, entry.last_name, entry.first_names = EntryStatus.REMOVED, "", ""
    entry.save(update_fields=["status", "last_name", "first_names"])
    assert not RegisterSearchKey.objects.filter(entry=entry).exists()


def test_rebuild_command_restores_the_keys(dupont):
    RegisterSearchKey.objects.all().delete()
    call_command("rebuild_register_search_keys", stdout=None)
    assert list(RegisterEntry.objects.search_name("dupon marie")) == [dupont]


def test_list_view_searches_by_name_and_audits_the_kind_not_the_text(officer_client, dupont):
    response = officer_client.get(reverse("register:list"), {"last_name": "Dupomt", "first_names": "Therese"})
    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == [dupont]
    audit = AuditEntry.objects.latest("pk")
    assert "recherche par nom et prénoms : 1 résultat(s)" in audit.detail
    assert "dupomt" not in audit.detail.lower() and "therese" not in audit.detail.lower()


def test_list_view_keeps_the_other_filters_with_a_name_search(officer_client, dupont):
    RegisterEntryFactory(last_name="Dupont", first_names="Jean", status=EntryStatus.RECEIVED)
    response = officer_client.get(reverse("register:list"), {"last_name": "dupont", "status": EntryStatus.REGISTERED})
    assert list(response.context["page_obj"].object_list) == [dupont]
