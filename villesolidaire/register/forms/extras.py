"""Consent-based extras (living alone, needs) and the link to a resident's file."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import clean_text_fields, date_field


def consent_date_field(label: str) -> forms.DateField:
    return date_field(
        label, required=True, error_messages={"required": "Indiquez la date de l'accord de la personne."}
    )


def check_consent_date(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise ValidationError("La date de l'accord ne peut pas être dans le futur.")
    if value < datetime.date(2004, 1, 1):
        raise ValidationError("Date de l'accord invalide.")
    return value


class ExtrasForm(forms.Form):
    consent_on = consent_date_field("Accord de la personne recueilli le")
    lives_alone = forms.BooleanField(label="Vit seul·e", required=False)
    needs_fan = forms.BooleanField(label="A besoin d'un ventilateur", required=False)
    has_remote_alarm = forms.BooleanField(label="Dispose d'une téléassistance", required=False)
    door_code = forms.CharField(label="Code d'accès à l'immeuble", max_length=40, required=False)
    health_notes = forms.CharField(
        label="Informations de santé utiles en cas d'alerte",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Seulement ce que la personne a accepté de confier et qui sert à l'aider en cas d'alerte.",
    )
    absences = forms.CharField(
        label="Absences prévues (dates)",
        max_length=300,
        required=False,
        help_text="Par exemple : du 1er au 20 août chez sa fille.",
    )

    def clean_consent_on(self):
        return check_consent_date(self.cleaned_data["consent_on"])

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("door_code", "health_notes", "absences"), multiline=("health_notes",))
        return cleaned


class LinkResidentForm(forms.Form):
    resident = forms.IntegerField(
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez la fiche habitant·e à lier.",
            "invalid": "Choisissez la fiche habitant·e à lier.",
        },
    )
    consent_on = consent_date_field("Accord de la personne pour lier sa fiche recueilli le")

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.residents = residents

    def clean_consent_on(self):
        return check_consent_date(self.cleaned_data["consent_on"])

    def clean_resident(self):
        resident = self.residents.filter(pk=self.cleaned_data["resident"]).first()
        if resident is None:
            raise ValidationError("Cette fiche habitant·e n'existe plus ou a été fusionnée : cherchez-la à nouveau.")
        return resident
