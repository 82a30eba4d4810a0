import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from villesolidaire.core import crypto
from villesolidaire.register.models import Ground, RegisterEntry


def _entry(**overrides) -> RegisterEntry:
    data = {
        "last_name": "Dupont-Lefèvre",
        "first_names": "Élise Marie",
        "birth_date": datetime.date(1938, 5, 4),
        "ground": Ground.AGE_65,
        "address": "12 rue des Tilleuls",
        "phone": "+33612345678",
    }
    data.update(overrides)
    return RegisterEntry.objects.create(**data)


def _raw_row(entry: RegisterEntry) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_name, first_names, birth_date, address, phone FROM register_registerentry WHERE id = %s",
            [entry.pk],
        )
        return " ".join(str(value) for value in cursor.fetchone())


def test_identifying_columns_hold_no_plaintext():
    entry = _entry()
    raw = _raw_row(entry)
    for secret in ("Dupont", "Élise", "1938", "Tilleuls", "612345678"):
        assert secret not in raw
    assert raw.count("enc1:") == 5


def test_values_read_back_decrypted():
    entry = RegisterEntry.objects.get(pk=_entry().pk)
    assert entry.last_name == "Dupont-Lefèvre"
    assert entry.birth_date == datetime.date(1938, 5, 4)
    assert entry.birth_year == 1938


def test_blind_index_folds_case_accents_and_spacing():
    assert crypto.blind_index("Élise  DUPONT-lefèvre") == crypto.blind_index("elise dupont lefevre")
    assert crypto.blind_index("Dupont") != crypto.blind_index("Dupond")
    assert crypto.blind_index("  ") == ""


def test_search_by_phone_and_by_name_uses_blind_indexes():
    entry = _entry()
    _entry(last_name="Martin", first_names="Paul", phone="+33698765432")
    assert list(RegisterEntry.objects.matching_phone("+33612345678")) == [entry]
    assert list(RegisterEntry.objects.matching_name("DUPONT LEFEVRE")) == [entry]
    assert list(RegisterEntry.objects.matching_name("dupont-lefèvre", "elise marie")) == [entry]
    assert not RegisterEntry.objects.matching_name("Dupont").exists()


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt("Martin") != crypto.encrypt("Martin")
    assert crypto.decrypt(crypto.encrypt("Martin")) == "Martin"


def test_a_value_cannot_be_read_without_its_key(data_keys):
    token = crypto.encrypt("Martin")
    data_keys.set([Fernet.generate_key().decode()])
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_malformed_keys_are_refused_clearly(data_keys):
    data_keys.set(["not-a-key"])
    with pytest.raises(ImproperlyConfigured, match="VS_DATA_KEYS"):
        crypto.encrypt("x")


def test_key_rotation_keeps_data_readable_and_searchable(data_keys):
    entry = _entry()
    old_key = data_keys.current()[0]
    new_key = Fernet.generate_key().decode()
    # 1. new key in front: old values still readable, search still works.
    data_keys.set([new_key, old_key])
    call_command("reencrypt_data", stdout=open("/dev/null", "w"))
    assert RegisterEntry.objects.matching_phone("+33612345678").get().last_name == "Dupont-Lefèvre"
    # 2. old key retired: values were re-encrypted under the new key; indexes recomputed.
    data_keys.set([new_key])
    call_command("reencrypt_data", stdout=open("/dev/null", "w"))
    reloaded = RegisterEntry.objects.matching_phone("+33612345678").get()
    assert reloaded.pk == entry.pk and reloaded.first_names == "Élise Marie"
