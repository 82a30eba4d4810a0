"""core.bitmask: fixed choices stored as bit masks, and the form field that reads and writes them."""

import pytest
from django import forms

from villesolidaire.core.bitmask import Flag, FlagSet, FlagSetField
from villesolidaire.core.choices import (
    AVAILABILITY,
    ENGAGEMENT_DOMAINS,
    LANGUAGES,
    MOBILITY,
    REQUEST_CONSTRAINTS,
    availability_mask_for,
)

COLOURS = FlagSet([Flag("red", "Rouge", 0), Flag("green", "Vert", 1), Flag("blue", "Bleu", 4)])


def test_a_flag_is_worth_its_bit():
    assert [flag.value for flag in COLOURS.flags] == [1, 2, 16]
    assert COLOURS.bit_of("blue") == 16
    assert COLOURS.full_mask == 0b10011


def test_codes_go_to_a_mask_and_back_in_declaration_order():
    mask = COLOURS.to_mask(["blue", "red"])
    assert mask == 0b10001
    assert COLOURS.to_codes(mask) == ["red", "blue"]
    assert COLOURS.to_labels(mask) == ["Rouge", "Bleu"]
    assert COLOURS.to_mask([]) == 0 and COLOURS.to_codes(0) == []
    assert COLOURS.to_mask(["red", "red"]) == 1


def test_setting_unsetting_and_testing_membership_are_bitwise_operations():
    mask = COLOURS.to_mask(["red"])
    mask |= COLOURS.bit_of("green")
    assert mask & COLOURS.bit_of("green") and "green" in COLOURS.to_codes(mask)
    mask &= ~COLOURS.bit_of("red")
    assert not mask & COLOURS.bit_of("red")
    assert COLOURS.to_codes(mask) == ["green"]


@pytest.mark.parametrize("flagset", [LANGUAGES, AVAILABILITY, MOBILITY, ENGAGEMENT_DOMAINS, REQUEST_CONSTRAINTS])
def test_every_subset_of_the_project_lists_round_trips_through_the_integer(flagset):
    codes = [flag.code for flag in flagset.flags]
    for subset in (codes, codes[::2], codes[1::3], codes[-1:], []):
        mask = flagset.to_mask(subset)
        assert flagset.to_codes(mask) == [code for code in codes if code in subset]
        assert flagset.count(mask) == len(subset)
    assert flagset.to_codes(flagset.full_mask) == codes


def test_bits_outside_the_set_are_ignored_when_read():
    stray = 1 << 2 | 1 << 30
    assert COLOURS.to_codes(stray | 1) == ["red"]
    assert COLOURS.count(stray | 1) == 1


def test_an_unknown_code_is_refused():
    with pytest.raises(KeyError):
        COLOURS.to_mask(["purple"])
    with pytest.raises(KeyError):
        COLOURS.bit_of("purple")


@pytest.mark.parametrize(
    "flags",
    [
        [Flag("a", "A", 0), Flag("a", "A bis", 1)],
        [Flag("a", "A", 0), Flag("b", "B", 0)],
    ],
)
def test_a_duplicate_code_or_bit_is_refused(flags):
    with pytest.raises(ValueError, match="Duplicate"):
        FlagSet(flags)


def test_choices_keep_codes_and_french_labels():
    assert COLOURS.choices == [("red", "Rouge"), ("green", "Vert"), ("blue", "Bleu")]
    assert AVAILABILITY.choices[0] == ("mon_am", "lundi matin")
    assert len(AVAILABILITY.flags) == 21


def test_availability_mask_for_days_and_periods():
    assert availability_mask_for(None, None) == AVAILABILITY.full_mask
    assert AVAILABILITY.to_codes(availability_mask_for([0, 5], ["am"])) == ["mon_am", "sat_am"]
    assert AVAILABILITY.to_codes(availability_mask_for([6], None)) == ["sun_am", "sun_pm", "sun_eve"]


class ColoursForm(forms.Form):
    colours = FlagSetField(COLOURS, label="Couleurs", required=False)


class RequiredColoursForm(forms.Form):
    colours = FlagSetField(COLOURS, label="Couleurs")


def test_the_form_field_cleans_ticked_boxes_to_a_mask():
    form = ColoursForm({"colours": ["green", "blue"]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["colours"] == 0b10010
    empty = ColoursForm({})
    assert empty.is_valid() and empty.cleaned_data["colours"] == 0


def test_the_form_field_shows_a_stored_mask_as_ticked_boxes():
    form = ColoursForm(initial={"colours": 0b10001})
    html = str(form["colours"])
    assert 'value="red" id="id_colours_0" checked' in html
    assert 'value="blue" id="id_colours_2" checked' in html
    assert 'value="green" id="id_colours_1" checked' not in html
    assert isinstance(form.fields["colours"].widget, forms.CheckboxSelectMultiple)
    assert form.fields["colours"].prepare_value(["red"]) == ["red"]


def test_the_form_field_refuses_an_unknown_code_in_french():
    form = ColoursForm({"colours": ["red", "purple"]})
    assert not form.is_valid()
    assert "purple" in form.errors["colours"][0] and "choix valide" in form.errors["colours"][0]


def test_a_required_flag_field_needs_one_box():
    form = RequiredColoursForm({})
    assert not form.is_valid() and "obligatoire" in form.errors["colours"][0]


@pytest.mark.parametrize(
    ("initial", "data", "changed"),
    [
        (0b10001, ["blue", "red"], False),
        (0b10001, ["red"], True),
        (0, [], False),
        (None, [], False),
        (0, ["green"], True),
        (["red"], ["red"], False),
    ],
)
def test_has_changed_compares_sets_of_codes(initial, data, changed):
    field = FlagSetField(COLOURS, required=False)
    assert field.has_changed(initial, data) is changed
