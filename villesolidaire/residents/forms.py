from django import forms

from villesolidaire.core.choices import LANGUAGES
from villesolidaire.core.validation import (
    birth_year_field,
    clean_person_name,
    clean_text_fields,
    mobile_or_nothing,
    phone_field,
)
from villesolidaire.residents.models import PreferredChannel, Resident
from villesolidaire.territory.forms import AddressFieldsMixin


class ResidentSearchForm(forms.Form):
    """Find a caller again: a phone number in any format, or a name (+ birth year)."""

    q = forms.CharField(
        label="Téléphone ou nom",
        max_length=80,
        required=False,
        help_text="Par exemple 06 12 34 56 78, ou Martin Jeanne.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    birth_year = birth_year_field(label="Année de naissance (facultatif)")

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def results(self, queryset, limit: int = 10) -> list[Resident]:
        """Matching active files, or an empty list when nothing usable was typed."""
        if not self.is_valid() or len(self.cleaned_data["q"]) < 2:
            return []
        rows = queryset.search(self.cleaned_data["q"], self.cleaned_data["birth_year"])
        return list(rows.select_related("quartier")[:limit])  # in the search's order: best first


class PersonNameMixin(forms.Form):
    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])


class ResidentForm(PersonNameMixin, AddressFieldsMixin, forms.Form):
    """The whole file, for staff."""

    first_name = forms.CharField(label="Prénom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = forms.CharField(label="Nom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    birth_year = birth_year_field()
    phone = phone_field("Téléphone fixe")
    mobile = phone_field("Téléphone mobile", help_text="Reçoit les SMS de suivi.")
    email = forms.EmailField(label="E-mail", required=False, max_length=254)
    preferred_channel = forms.ChoiceField(
        label="Canal préféré", choices=PreferredChannel.choices, initial=PreferredChannel.CALL
    )
    language = forms.ChoiceField(label="Langue parlée", choices=LANGUAGES.choices, initial="fr")
    notes = forms.CharField(label="Notes", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    field_order = [
        "first_name",
        "last_name",
        "birth_year",
        "phone",
        "mobile",
        "email",
        "address",
        "address_complement",
        "postcode",
        "city",
        "preferred_channel",
        "language",
        "notes",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].required = False

    def clean_mobile(self):
        return mobile_or_nothing(self.cleaned_data["mobile"])

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("address", "address_complement", "city", "notes"), multiline=("notes",))
        if (
            cleaned.get("preferred_channel") == PreferredChannel.SMS
            and not cleaned.get("mobile")
            and "mobile" not in self.errors
        ):
            self.add_error("preferred_channel", "Les SMS demandent un téléphone mobile.")
        if (
            cleaned.get("preferred_channel") == PreferredChannel.EMAIL
            and not cleaned.get("email")
            and "email" not in self.errors
        ):
            self.add_error("preferred_channel", "Indiquez une adresse e-mail pour ce canal.")
        return cleaned

    @classmethod
    def initial_for(cls, resident: Resident) -> dict:
        return {name: getattr(resident, name) for name in cls.base_fields}


class ResidentContactForm(PersonNameMixin, forms.Form):
    name = forms.CharField(label="Nom du ou de la proche", max_length=120)
    relation = forms.CharField(
        label="Lien", max_length=80, required=False, help_text="Fille, voisin, aide à domicile…"
    )
    phone = phone_field("Téléphone")

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("relation",))
        return cleaned


class ResidentMergeForm(forms.Form):
    """Pick the duplicate to fold into the file being viewed."""

    source = forms.ModelChoiceField(
        label="Fiche en double à fusionner dans celle-ci",
        queryset=Resident.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Cette fiche n'existe plus ou a déjà été fusionnée."},
    )
    confirm = forms.BooleanField(
        label=(
            "Je confirme : les demandes, soutiens, appels et proches de la fiche en double "
            "seront rattachés à celle-ci."
        ),
    )

    def __init__(self, *args, target: Resident, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = candidates.exclude(pk=target.pk)
