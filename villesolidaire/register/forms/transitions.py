"""An entry's transitions: removal, objection, confirmation."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import DATE_ERRORS
from villesolidaire.register.models import RemovalReason


class RemovalForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif de la radiation",
        choices=RemovalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de la radiation.", "invalid_choice": "Motif inconnu."},
    )
    on = forms.DateField(
        label="Date (demande, décès, déménagement ou opposition)",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Par défaut : aujourd'hui.",
    )
    confirm = forms.BooleanField(
        label="Je confirme : les données personnelles seront effacées ; seule la trace de la radiation (date, motif) "
        "est gardée.",
        error_messages={"required": "Cochez la case pour confirmer la radiation."},
    )

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value and value > timezone.localdate():
            raise ValidationError("La date ne peut pas être dans le futur.")
        if value and value < datetime.date(2004, 1, 1):
            raise ValidationError("Date invalide.")
        return value


class ObjectionForm(RemovalForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(RemovalReason.OBJECTION.value, RemovalReason.OBJECTION.label)]
        self.fields["reason"].initial = RemovalReason.OBJECTION
        self.fields["on"].label = "Opposition reçue le"


class ConfirmForm(forms.Form):
    on = forms.DateField(
        label="Confirmée le",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value and value > timezone.localdate():
            raise ValidationError("La date ne peut pas être dans le futur.")
        return value
