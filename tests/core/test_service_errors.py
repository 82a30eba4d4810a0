import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from villesolidaire.core.service_errors import error_message, form_service_errors, service_errors


class Refused(Exception):
    pass


@pytest.fixture
def request_with_messages():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def shown(request) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(request)]


def test_a_refusal_shows_its_message_and_skips_the_rest_of_the_block(request_with_messages):
    reached = []
    with service_errors(request_with_messages, Refused) as outcome:
        raise Refused("Ce créneau est complet.")
        reached.append("after")  # noqa: B018 - never reached
    assert outcome.failed
    assert reached == []
    assert shown(request_with_messages) == [("error", "Ce créneau est complet.")]


def test_success_runs_the_whole_block_and_shows_no_error(request_with_messages):
    with service_errors(request_with_messages, Refused) as outcome:
        result = 42
    assert not outcome.failed and result == 42
    assert shown(request_with_messages) == []


def test_a_validation_error_shows_its_first_message_not_its_repr(request_with_messages):
    with service_errors(request_with_messages, ValidationError):
        raise ValidationError(["L'alerte est déjà traitée.", "Autre"])
    assert shown(request_with_messages) == [("error", "L'alerte est déjà traitée.")]


def test_several_error_classes_are_caught(request_with_messages):
    with service_errors(request_with_messages, KeyError, Refused):
        raise Refused("Non.")
    assert shown(request_with_messages) == [("error", "Non.")]


def test_other_exceptions_propagate(request_with_messages):
    with pytest.raises(ZeroDivisionError), service_errors(request_with_messages, Refused):
        1 / 0  # noqa: B018
    assert shown(request_with_messages) == []


def test_error_message():
    assert error_message(Refused("Refusé.")) == "Refusé."
    assert error_message(ValidationError("Date invalide.")) == "Date invalide."


def test_form_service_errors_puts_the_refusal_on_the_form_and_skips_the_rest():
    form = forms.Form(data={})
    assert form.is_valid()
    reached = []
    with form_service_errors(form, Refused) as outcome:
        raise Refused("Ce créneau est complet.")
        reached.append("after")  # noqa: B018 - never reached
    assert outcome.failed and reached == []
    assert form.non_field_errors() == ["Ce créneau est complet."]


def test_on_a_form_a_refusal_becomes_an_error_of_the_whole_form_and_skips_the_rest():
    form = forms.Form(data={})
    reached = []
    with form_service_errors(form, Refused):
        raise Refused("Passage impossible.")
        reached.append("after")  # noqa: B018 - never reached
    assert reached == []
    assert form.non_field_errors() == ["Passage impossible."]


def test_on_a_form_a_validation_error_keeps_all_its_messages_and_success_adds_none():
    form = forms.Form(data={})
    with form_service_errors(form, ValidationError):
        pass
    assert not form.errors
    with form_service_errors(form, ValidationError):
        raise ValidationError(["Déjà traitée.", "Autre."])
    assert form.non_field_errors() == ["Déjà traitée.", "Autre."]


def test_on_a_form_a_message_replaces_an_error_text_that_is_not_for_users():
    form = forms.Form(data={})
    with form_service_errors(form, KeyError, message="Cette adresse est déjà utilisée."):
        raise KeyError("volunteers_volunteer_email_key")
    assert form.non_field_errors() == ["Cette adresse est déjà utilisée."]
