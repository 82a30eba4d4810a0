"""What every entry form shares: the R121-4 fields with the shared input hygiene (core.validation),
and eligibility following R121-3 (65+; 60+ unfit for work; disabled adult with a benefit), checked on
the birth date."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import clean_person_name, clean_text_fields, date_field, phone_field
from villesolidaire.register.models import DisabilityBenefit, Ground
from villesolidaire.territory.forms import AddressFieldsMixin

MIN_BIRTH_DATE = datetime.date(1900, 1, 1)
MINIMUM_AGE = {Ground.AGE_65: 65, Ground.AGE_60_UNFIT: 60, Ground.DISABLED_ADULT: 18}
ELIGIBILITY_MESSAGES = {
    Ground.AGE_65: "Cette qualité concerne les personnes de 65 ans et plus : d'après la date de naissance, la "
    "personne a {age} ans. Si elle a plus de 60 ans et est reconnue inapte au travail, ou si elle est adulte "
    "handicapée, choisissez cette qualité.",
    Ground.AGE_60_UNFIT: "Cette qualité concerne les personnes de plus de 60 ans reconnues inaptes au travail : "
    "d'après la date de naissance, la personne a {age} ans.",
    Ground.DISABLED_ADULT: "Cette qualité concerne les adultes (18 ans et plus) : d'après la date de naissance, la "
    "personne a {age} ans.",
}
TEXT_FIELDS = ("address", "address_complement", "city", "home_care_service", "third_party_capacity")


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def eligibility_errors(
    ground: str | None, benefit: str | None, birth_date: datetime.date | None, on: datetime.date | None = None
) -> dict[str, str]:
    """R121-3, as {field: French message}. Empty when eligible (or not checkable yet)."""
    errors: dict[str, str] = {}
    if ground == Ground.DISABLED_ADULT and not benefit:
        errors["disability_benefit"] = (
            "Pour une personne adulte handicapée, indiquez l'avantage ou la pension perçu (AAH, PCH, CMI, RQTH ou "
            "pension d'invalidité). Aucun justificatif n'est demandé."
        )
    if ground and ground != Ground.DISABLED_ADULT and benefit:
        errors["disability_benefit"] = "L'avantage ou la pension ne s'indique que pour une personne adulte handicapée."
    if ground in MINIMUM_AGE and birth_date:
        age = age_on(birth_date, on or timezone.localdate())
        if age < MINIMUM_AGE[ground]:
            errors["ground"] = ELIGIBILITY_MESSAGES[ground].format(age=age)
    return errors


def birth_date_field(**kwargs) -> forms.DateField:
    return date_field(
        kwargs.pop("label", "Date de naissance"),
        required=True,
        error_messages={"required": "Indiquez la date de naissance."},
        attrs={"autocomplete": "bday"},
        help_text="Par exemple 14/07/1942.",
        **kwargs,
    )


def check_birth_date(value: datetime.date | None) -> datetime.date | None:
    if value is None:
        return value
    if value > timezone.localdate():
        raise ValidationError("La date de naissance ne peut pas être dans le futur.")
    if value < MIN_BIRTH_DATE:
        raise ValidationError("Date de naissance invalide : 1900 au plus tôt.")
    return value


def _e164(number) -> str:
    return number.as_e164 if number else ""


class EntryFieldsMixin(AddressFieldsMixin, forms.Form):
    """The R121-4 fields, shared by the officer form and the public form."""

    last_name = forms.CharField(
        label="Nom",
        max_length=80,
        error_messages={"required": "Indiquez le nom."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_names = forms.CharField(
        label="Prénoms",
        max_length=120,
        error_messages={"required": "Indiquez le ou les prénoms."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = birth_date_field()
    ground = forms.ChoiceField(
        label="Qualité au titre de laquelle la personne est inscrite",
        choices=Ground.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez la qualité au titre de laquelle la personne s'inscrit.",
            "invalid_choice": "Qualité inconnue.",
        },
    )
    disability_benefit = forms.ChoiceField(
        label="Avantage ou pension (personne adulte handicapée)",
        required=False,
        choices=[("", "— sans objet —"), *DisabilityBenefit.choices],
        help_text="Seulement pour une personne adulte handicapée. Aucun justificatif n'est demandé.",
        error_messages={"invalid_choice": "Avantage inconnu."},
    )
    phone = phone_field("Téléphone", help_text="Le numéro où joindre la personne en cas d'alerte.")
    home_care_service = forms.CharField(
        label="Service intervenant à domicile (nom et coordonnées)",
        max_length=300,
        required=False,
        help_text="Le cas échéant : aide à domicile, soins infirmiers, portage de repas…",
    )
    emergency_contact_name = forms.CharField(
        label="Personne à prévenir en cas d'urgence", max_length=120, required=False
    )
    emergency_contact_phone = phone_field("Téléphone de la personne à prévenir")

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    def clean_first_names(self) -> str:
        return clean_person_name(self.cleaned_data["first_names"])

    def clean_emergency_contact_name(self) -> str:
        return clean_person_name(self.cleaned_data["emergency_contact_name"])

    def clean_birth_date(self):
        return check_birth_date(self.cleaned_data.get("birth_date"))

    def clean_phone(self) -> str:
        return _e164(self.cleaned_data.get("phone"))

    def clean_emergency_contact_phone(self) -> str:
        return _e164(self.cleaned_data.get("emergency_contact_phone"))

    def check_entry(self, cleaned: dict, *, on: datetime.date | None = None) -> None:
        clean_text_fields(self, TEXT_FIELDS)
        for name, message in eligibility_errors(
            cleaned.get("ground"), cleaned.get("disability_benefit"), cleaned.get("birth_date"), on
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        if (
            cleaned.get("emergency_contact_phone")
            and not cleaned.get("emergency_contact_name")
            and "emergency_contact_name" not in self.errors
        ):
            self.add_error("emergency_contact_name", "Indiquez le nom de la personne à prévenir.")
