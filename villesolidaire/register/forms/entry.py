"""Officer entry and correction of a register entry."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import clean_person_name, clean_text_fields, date_field
from villesolidaire.register.forms.entry_fields import EntryFieldsMixin
from villesolidaire.register.models import Origin, RegisterEntry

OFFICER_ORIGINS = [(o.value, o.label) for o in (Origin.SELF, Origin.LEGAL_REP, Origin.THIRD_PARTY)]


class EntryForm(EntryFieldsMixin):
    """Officer entry and correction: every R121-4 field, origin, management notes."""

    request_date = date_field(
        "Date de la demande",
        required=True,
        initial=timezone.localdate,
        error_messages={"required": "Indiquez la date de la demande."},
    )
    origin = forms.ChoiceField(
        label="La demande est faite par",
        choices=OFFICER_ORIGINS,
        widget=forms.RadioSelect,
        initial=Origin.SELF,
        error_messages={"invalid_choice": "Origine inconnue.", "required": "Indiquez qui fait la demande."},
        help_text="Un tiers ne peut demander l'inscription que par écrit (R121-6).",
    )
    third_party_name = forms.CharField(label="Nom du tiers ayant fait la demande", max_length=120, required=False)
    third_party_capacity = forms.CharField(
        label="Qualité du tiers (lien avec la personne)",
        max_length=120,
        required=False,
        help_text="Par exemple : fille, voisin, médecin traitant, service d'aide à domicile.",
    )
    notes = forms.CharField(
        label="Remarques de gestion",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Uniquement pour la gestion de l'inscription : aucune donnée de santé (voir les informations "
        "complémentaires, avec accord).",
    )
    confirm_other_person = forms.BooleanField(
        label="Il s'agit bien d'une autre personne que l'inscription existante (homonyme, conjoint·e au même numéro)",
        required=False,
    )

    def __init__(self, *args, entry: RegisterEntry | None = None, **kwargs):
        self.entry = entry
        if entry is not None:
            kwargs.setdefault(
                "initial", {name: getattr(entry, name) for name in self.base_fields if hasattr(entry, name)}
            )
        super().__init__(*args, **kwargs)
        self.fields[
            "address"
        ].help_text = (
            "Numéro et rue. Une adresse introuvable est gardée telle que saisie et signalée « non localisée »."
        )
        if entry is not None:
            del self.fields["confirm_other_person"]
            if entry.origin not in dict(OFFICER_ORIGINS):
                self.fields["origin"].choices = [(entry.origin, entry.get_origin_display())]

    def clean_third_party_name(self) -> str:
        return clean_person_name(self.cleaned_data["third_party_name"])

    def clean_request_date(self):
        value = self.cleaned_data["request_date"]
        if value > timezone.localdate():
            raise ValidationError("La date de la demande ne peut pas être dans le futur.")
        if value < datetime.date(2004, 1, 1):
            raise ValidationError("Date de la demande invalide : le registre existe depuis 2004.")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("notes",), multiline=("notes",))
        self.check_entry(cleaned, on=cleaned.get("request_date"))
        if cleaned.get("origin") == Origin.THIRD_PARTY:
            if not cleaned.get("third_party_name") and "third_party_name" not in self.errors:
                self.add_error("third_party_name", "Une demande faite par un tiers exige son nom.")
            if not cleaned.get("third_party_capacity") and "third_party_capacity" not in self.errors:
                self.add_error(
                    "third_party_capacity", "Une demande faite par un tiers exige sa qualité (lien avec la personne)."
                )
        elif cleaned.get("origin") in (Origin.SELF, Origin.LEGAL_REP):
            cleaned["third_party_name"] = cleaned["third_party_capacity"] = ""
        return cleaned
