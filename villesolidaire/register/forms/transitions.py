"""An entry's transitions: removal, objection, confirmation."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import date_field
from villesolidaire.register.models import RemovalReason


def past_date(value: datetime.date | None, *, earliest: datetime.date | None = None) -> datetime.date | None:
    """The date of something that has happened: never in the future, nor before `earliest`."""
    if value and value > timezone.localdate():
        raise ValidationError("La date ne peut pas être dans le futur.")
    if value and earliest and value < earliest:
        raise ValidationError("Date invalide.")
    return value


class RemovalForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif de la radiation",
        choices=RemovalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de la radiation.", "invalid_choice": "Motif inconnu."},
    )
    on = date_field("Date (demande, décès, déménagement ou opposition)", help_text="Par défaut : aujourd'hui.")
    confirm = forms.BooleanField(
        label="Je confirme : les données personnelles seront effacées ; seule la trace de la radiation (date, motif) "
        "est gardée.",
        error_messages={"required": "Cochez la case pour confirmer la radiation."},
    )

    def clean_on(self):
        return past_date(self.cleaned_data.get("on"), earliest=datetime.date(2004, 1, 1))


class ObjectionForm(RemovalForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(RemovalReason.OBJECTION.value, RemovalReason.OBJECTION.label)]
        self.fields["reason"].initial = RemovalReason.OBJECTION
        self.fields["on"].label = "Opposition reçue le"


class ConfirmForm(forms.Form):
    on = date_field("Confirmée le")

    def clean_on(self):
        return past_date(self.cleaned_data.get("on"))
