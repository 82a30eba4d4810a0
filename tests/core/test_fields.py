"""core.fields: the field shapes many models share."""

from django.conf import settings
from django.db import models

from villesolidaire.core.fields import new_token, optional_reference, token_field, user_reference
from villesolidaire.needs.models import Need, NeedInvitation
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


def test_a_token_field_is_unique_and_gets_a_fresh_random_key():
    field = token_field()
    assert (field.max_length, field.unique, field.default) == (64, True, new_token)
    assert NeedInvitation._meta.get_field("token").default is new_token
    assert new_token() != new_token()
    assert len(new_token()) == 32
