"""Self-registration on the public site."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import clean_person_name, clean_text_fields, honeypot_field
from villesolidaire.register.forms.entry_fields import EntryFieldsMixin
from villesolidaire.register.models import Origin


class ForWhom:
    SELF = Origin.SELF.value
    LEGAL_REP = Origin.LEGAL_REP.value
    THIRD_PARTY = Origin.THIRD_PARTY.value
    CHOICES = [
        (SELF, "Pour moi-même"),
        (LEGAL_REP, "Pour une personne dont je suis le représentant légal (tutelle, curatelle…)"),
        (THIRD_PARTY, "Pour une autre personne (proche, voisin·e, professionnel·le…)"),
    ]


class PublicEntryForm(EntryFieldsMixin):
    """Self-registration on the web (R121-6: any means for the person; in writing for a third party)."""

    for_whom = forms.ChoiceField(
        label="Vous faites cette demande",
        choices=ForWhom.CHOICES,
        widget=forms.RadioSelect,
        initial=ForWhom.SELF,
        error_messages={"required": "Dites-nous pour qui est cette demande.", "invalid_choice": "Choix inconnu."},
    )
    applicant_name = forms.CharField(
        label="Votre nom et prénom",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    applicant_capacity = forms.CharField(
        label="Votre lien avec la personne",
        max_length=120,
        required=False,
        help_text="Par exemple : fille, voisin, médecin traitant.",
    )
    person_agrees = forms.BooleanField(
        label="La personne (ou son représentant légal) est informée de cette demande et ne s'y oppose pas",
        required=False,
    )
    website = honeypot_field()

    field_order = ["for_whom", "applicant_name", "applicant_capacity", "person_agrees"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "Le numéro où joindre la personne en cas d'alerte (canicule, grand froid…)."

    def clean_applicant_name(self) -> str:
        return clean_person_name(self.cleaned_data["applicant_name"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError("Votre envoi n'a pas pu être traité. Appelez la mairie si besoin.", code="bot")
        clean_text_fields(self, ("applicant_capacity",))
        self.check_entry(cleaned)
        for_whom = cleaned.get("for_whom")
        if for_whom in (ForWhom.LEGAL_REP, ForWhom.THIRD_PARTY):
            if not cleaned.get("applicant_name") and "applicant_name" not in self.errors:
                self.add_error("applicant_name", "Indiquez votre nom.")
            if for_whom == ForWhom.THIRD_PARTY:
                if not cleaned.get("applicant_capacity") and "applicant_capacity" not in self.errors:
                    self.add_error("applicant_capacity", "Indiquez votre lien avec la personne.")
                if not cleaned.get("person_agrees"):
                    self.add_error(
                        "person_agrees",
                        "Une inscription demandée par un tiers suppose que la personne ne "
                        "s'y oppose pas : parlez-lui-en d'abord.",
                    )
        return cleaned

    def entry_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in (
                "last_name",
                "first_names",
                "birth_date",
                "ground",
                "disability_benefit",
                "phone",
                "home_care_service",
                "emergency_contact_name",
                "emergency_contact_phone",
                *self.address_field_names,
            )
        }
        data["origin"] = self.cleaned_data["for_whom"]
        data["request_date"] = timezone.localdate()
        if data["origin"] == Origin.THIRD_PARTY:
            data["third_party_name"] = self.cleaned_data["applicant_name"]
            data["third_party_capacity"] = self.cleaned_data["applicant_capacity"]
        elif data["origin"] == Origin.LEGAL_REP:
            # Not a third party (R121-4 2° b): the representative's name goes to the management notes.
            data["notes"] = f"Demande du représentant légal : {self.cleaned_data['applicant_name']}"
        return data
