"""core.validation: the date bounds that keep a far year (0001, 9999) out of date arithmetic."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import (
    EARLIEST_DATE,
    PHONE_INVALID,
    date_field,
    first_errors,
    latest_date,
    looks_like_phone,
    phone_e164,
    phone_field,
    within_date_bounds,
)


class BoundedForm(forms.Form):
    day = date_field("Jour", validators=[within_date_bounds])
    at = forms.DateTimeField(required=False, validators=[within_date_bounds])


def test_latest_date_is_the_end_of_the_tenth_year_ahead():
    assert latest_date() == datetime.date(timezone.localdate().year + 10, 12, 31)


@pytest.mark.parametrize("day", [EARLIEST_DATE, timezone.localdate(), latest_date()])
def test_dates_within_the_bounds_pass(day):
    within_date_bounds(day)
    within_date_bounds(datetime.datetime.combine(day, datetime.time(12)))


@pytest.mark.parametrize(
    "day",
    [
        datetime.date.min,
        datetime.date(1999, 12, 31),
        latest_date() + datetime.timedelta(days=1),
        datetime.date.max,
        datetime.datetime.max.replace(tzinfo=datetime.UTC),
    ],
)
def test_dates_outside_the_bounds_are_refused_in_french(day):
    with pytest.raises(ValidationError) as error:
        within_date_bounds(day)
    assert error.value.messages == [f"Indiquez une date entre le 01/01/2000 et le {latest_date():%d/%m/%Y}."]
    assert error.value.code == "out_of_bounds"


@pytest.mark.parametrize("typed", ["9999-12-31", "31/12/9999", "0001-01-01", "01/01/0001"])
def test_a_bounded_date_field_refuses_a_far_year_typed_either_way(typed):
    form = BoundedForm({"day": typed})
    assert not form.is_valid()
    assert form.errors["day"][0].startswith("Indiquez une date entre le 01/01/2000")


def test_a_bounded_date_field_accepts_a_near_date_and_an_empty_one():
    assert BoundedForm({"day": timezone.localdate().isoformat()}).is_valid()
    assert BoundedForm({}).is_valid()
    assert not BoundedForm({"at": "9999-12-31 10:00"}).is_valid()


def test_first_errors_says_how_many_more():
    assert first_errors(["a", "b"], 2) == ["a", "b"]
    assert first_errors(["a", "b", "c", "d"], 2) == ["a", "b", "… et 2 autres erreurs."]
    assert first_errors(["a", "b", "c"], 2) == ["a", "b", "… et 1 autre erreur."]


class PhoneForm(forms.Form):
    phone = phone_field()
    landline = phone_field("Téléphone de la structure", invalid="Exemple : 02 99 12 34 56.")


def test_phone_field_is_a_tel_input_with_a_french_message_that_a_form_may_adapt():
    form = PhoneForm({"phone": "12", "landline": "12"})
    assert not form.is_valid()
    assert form.errors["phone"] == [PHONE_INVALID]
    assert form.errors["landline"] == ["Exemple : 02 99 12 34 56."]
    html = str(form["landline"])
    assert 'type="tel"' in html and 'autocomplete="tel"' in html and 'inputmode="tel"' in html
    assert PhoneForm({"phone": "06 12 34 56 78"}).is_valid()


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "33 6 12 34 56 78",
        "6 12 34 56 78",
    ],
)
def test_phone_e164_reads_every_way_a_french_number_is_typed(typed):
    assert phone_e164(typed) == "+33612345678"


@pytest.mark.parametrize(("typed", "e164"), [("+33639980001", "+33639980001"), ("01 99 00 71 71", "+33199007171")])
def test_phone_e164_keeps_numbers_the_strict_parser_may_refuse(typed, e164):
    assert phone_e164(typed) == e164


@pytest.mark.parametrize("typed", ["", "12", "06 12", "0612", "Martin"])
def test_phone_e164_refuses_what_cannot_be_a_number(typed):
    assert phone_e164(typed) == ""


@pytest.mark.parametrize(("typed", "phone"), [("06 12 34 56 78", True), ("+33 (0)6", True), ("Martin 06", False)])
def test_looks_like_phone(typed, phone):
    assert looks_like_phone(typed) is phone
