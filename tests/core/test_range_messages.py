"""Out-of-range values are refused with one French sentence naming the accepted range
(core.validation.out_of_range): the volunteer's year of birth and distance, the bilan's dates."""

import pytest
from django.utils import timezone

from villesolidaire.core.validation import latest_date
from villesolidaire.reporting.forms import BilanForm
from villesolidaire.volunteers.forms import SignupForm

THIS_YEAR = timezone.localdate().year
BIRTH_YEARS = f"Indiquez une année entre {THIS_YEAR - 110} et {THIS_YEAR - 12}."
DISTANCE = "Indiquez une distance entre 1 et 50 km."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # Below or above the form's own range, and past the column's 1900–2100: the same sentence.
        ("birth_year", "1850", BIRTH_YEARS),
        ("birth_year", str(THIS_YEAR - 111), BIRTH_YEARS),
        ("birth_year", str(THIS_YEAR - 5), BIRTH_YEARS),
        ("birth_year", "2500", BIRTH_YEARS),
        ("max_distance_km", "0", DISTANCE),
        ("max_distance_km", "500", DISTANCE),
    ],
)
def test_the_volunteer_form_names_the_accepted_range(field, value, message):
    form = SignupForm({field: value})
    form.is_valid()
    assert form.errors[field] == [message]


@pytest.mark.parametrize("start", ["1999-12-31", "9999-01-01"])
def test_the_bilan_start_date_names_the_accepted_range(start):
    form = BilanForm({"period": "dates", "start": start, "end": "2026-01-31"})
    assert not form.is_valid()
    assert form.errors["start"] == [f"Indiquez une date entre le 01/01/2000 et le {latest_date():%d/%m/%Y}."]
