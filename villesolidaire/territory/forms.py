"""Address fields for any form whose model is `Located`.

The address input offers suggestions from /adresses/recherche/ (htmx fills a <datalist>);
without JavaScript it is a plain text field. `save_located` geocodes on save: an address
that is not found is kept as typed and flagged as not located.
"""

from django import forms
from django.core.validators import RegexValidator
from django.urls import reverse_lazy

postcode_validator = RegexValidator(r"^\d{5}$", "Code postal attendu : 5 chiffres (ex. 35000).")


class AddressFieldsMixin(forms.Form):
    address = forms.CharField(
        label="Adresse",
        max_length=250,
        help_text="Numéro et rue, par exemple : 12 rue de la Paix. Des suggestions s'affichent pendant la saisie.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "street-address",
                "list": "adresses-suggerees",
                "data-vs-address": "",
                "hx-get": reverse_lazy("territory:address_search"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#adresses-suggerees",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    address_complement = forms.CharField(
        label="Complément d'adresse",
        max_length=120,
        required=False,
        help_text="Bâtiment, étage, code d'accès au hall…",
    )
    postcode = forms.CharField(
        label="Code postal",
        max_length=5,
        required=False,
        validators=[postcode_validator],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "data-vs-postcode": ""}),
    )
    city = forms.CharField(
        label="Commune",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "data-vs-city": ""}),
    )

    address_field_names = ("address", "address_complement", "postcode", "city")
