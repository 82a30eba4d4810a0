from django import forms

from villesolidaire.core.validation import PHONE_INVALID, first_errors, phone_field


def test_first_errors_says_how_many_more():
    assert first_errors(["a", "b"], 2) == ["a", "b"]
    assert first_errors(["a", "b", "c", "d"], 2) == ["a", "b", "… et 2 autres erreurs."]


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
