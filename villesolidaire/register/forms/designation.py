"""Proposing a register role designation: the account, the role, and the mayor's decision."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

from villesolidaire.accounts.models import User
from villesolidaire.core.validation import clean_text_fields, date_field, text_field
from villesolidaire.register.forms.transitions import past_date
from villesolidaire.register.models import DesignationKind, RoleDesignation

REQUIRED = "Ce champ est obligatoire."


class DesignationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail du compte",
        error_messages={"required": REQUIRED, "invalid": "Adresse e-mail invalide."},
    )
    role = forms.ChoiceField(
        label="Rôle",
        choices=RoleDesignation._meta.get_field("role").choices,
        error_messages={"required": "Choisissez le rôle.", "invalid_choice": "Rôle inconnu."},
    )
    kind = forms.ChoiceField(
        label="Demande",
        choices=DesignationKind.choices,
        widget=forms.RadioSelect,
        initial=DesignationKind.GRANT,
        error_messages={"required": "Choisissez la demande.", "invalid_choice": "Demande inconnue."},
    )
    designated_by = text_field(
        "Décidé par (nom et qualité)",
        max_length=200,
        required=True,
        help_text="Le ou la maire, ou l'adjoint·e qui a reçu délégation.",
        error_messages={"required": REQUIRED},
    )
    decision_reference = text_field(
        "Décision",
        max_length=120,
        required=True,
        help_text="Par exemple « arrêté n° 2026-114 ».",
        error_messages={"required": REQUIRED},
    )
    decision_date = date_field("Date de la décision", required=True)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise ValidationError("Aucun compte avec cette adresse. Créez d'abord le compte.")
        self.user = user
        return email

    def clean_decision_date(self):
        return past_date(self.cleaned_data.get("decision_date"), earliest=datetime.date(2004, 1, 1))

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("designated_by", "decision_reference"))
        return cleaned
