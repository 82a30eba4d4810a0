"""core.fields: the field shapes many models share."""

from django.conf import settings
from django.db import models

from tests.factories.needs import SignupFactory
from villesolidaire.core.fields import (
    link_token,
    new_token,
    new_token_digest,
    optional_reference,
    token_digest,
    token_field,
    user_reference,
)
from villesolidaire.needs.models import Need, NeedInvitation, ShiftSignup
from villesolidaire.notifications.models import CallTask


def test_an_optional_reference_may_stay_empty_and_outlives_its_target():
    _name, _path, args, kwargs = optional_reference("residents.Resident", "fiche").deconstruct()
    assert args == []
    assert kwargs == {
        "to": "residents.resident",
        "on_delete": models.SET_NULL,
        "null": True,
        "blank": True,
        "related_name": "+",
        "verbose_name": "fiche",
    }


def test_a_user_reference_is_an_optional_reference_to_the_account():
    field = user_reference("traitée par", blank=False)
    assert field.deconstruct()[3] == {
        "to": settings.AUTH_USER_MODEL.lower(),
        "on_delete": models.SET_NULL,
        "null": True,
        "related_name": "+",
        "verbose_name": "traitée par",
    }


def test_models_keep_their_reverse_accessor_only_where_they_name_one():
    assert Need._meta.get_field("category").remote_field.related_name == "needs"
    assert CallTask._meta.get_field("support").remote_field.related_name == "+"
    assert CallTask._meta.get_field("support").remote_field.on_delete is models.SET_NULL


def test_a_token_field_stores_only_the_digest_of_a_fresh_random_key():
    field = token_field()
    assert (field.max_length, field.unique, field.default, field.editable) == (64, True, new_token_digest, False)
    assert NeedInvitation._meta.get_field("token_hash").default is new_token_digest
    assert new_token() != new_token()
    assert len(new_token()) == 32
    assert len(new_token_digest()) == 64 and new_token_digest() != new_token_digest()
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_link_token_issues_a_key_once_per_instance_and_stores_only_its_digest():
    signup = SignupFactory()
    first = signup.token
    assert signup.token_hash == token_digest(first) and link_token(signup) == first
    stored = ShiftSignup.objects.get(pk=signup.pk)
    assert stored.token_hash == token_digest(first) and first not in stored.token_hash
    # A new message issues a new key: the link of the earlier one stops working.
    again = link_token(stored)
    assert again != first and ShiftSignup.objects.get(pk=signup.pk).token_hash == token_digest(again)
