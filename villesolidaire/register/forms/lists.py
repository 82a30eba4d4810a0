"""Search and filters of the register's lists."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import DATE_ERRORS, clean_text, parse_phone
from villesolidaire.register.models import EntryStatus, Ground, Origin
from villesolidaire.territory.models import Quartier

YES = "yes"


class EntryFilterForm(forms.Form):
    status = forms.ChoiceField(label="État", required=False, choices=[("", "Tous sauf radiés"), *EntryStatus.choices])
    quartier = forms.ModelChoiceField(
        label="Quartier", required=False, queryset=Quartier.objects.only("id", "name"), empty_label="Tous"
    )
    ground = forms.ChoiceField(label="Qualité", required=False, choices=[("", "Toutes"), *Ground.choices])
    origin = forms.ChoiceField(label="Origine", required=False, choices=[("", "Toutes"), *Origin.choices])
    ack_due = forms.ChoiceField(
        label="Accusé de réception", required=False, choices=[("", "Indifférent"), (YES, "À envoyer")]
    )
    phone = forms.CharField(
        label="Recherche par téléphone",
        max_length=30,
        required=False,
        help_text="Le numéro exact, dans n'importe quel format (06 12 34 56 78, +33 6…). Cherche aussi le numéro de "
        "la personne à prévenir.",
        widget=forms.TextInput(attrs={"type": "search", "inputmode": "tel", "autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label="Recherche par nom",
        max_length=80,
        required=False,
        help_text="Le nom exact et complet (majuscules et accents indifférents) : les noms étant chiffrés, une partie "
        "du nom ne suffit pas.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )
    first_names = forms.CharField(
        label="Prénoms (facultatif)",
        max_length=120,
        required=False,
        help_text="Tous les prénoms, exactement comme enregistrés.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_phone(self) -> str:
        value = clean_text(self.cleaned_data["phone"])
        if value and parse_phone(value) is None and not any(ch.isdigit() for ch in value):
            raise ValidationError("Tapez un numéro de téléphone, par exemple 06 12 34 56 78.")
        return value

    def clean_last_name(self) -> str:
        return clean_text(self.cleaned_data["last_name"])

    def clean_first_names(self) -> str:
        return clean_text(self.cleaned_data["first_names"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("first_names") and not cleaned.get("last_name") and "last_name" not in self.errors:
            self.add_error(
                "last_name", "Indiquez aussi le nom : la recherche porte sur le nom et les prénoms ensemble."
            )
        return cleaned

    @property
    def search_kind(self) -> str:
        """What kind of search was asked (written to the audit log instead of the searched text)."""
        if not self.is_valid():
            return ""
        kinds = []
        if self.cleaned_data["phone"]:
            kinds.append("téléphone")
        if self.cleaned_data["last_name"]:
            kinds.append("nom et prénoms" if self.cleaned_data["first_names"] else "nom")
        return " + ".join(kinds)

    def filter(self, rows):
        if not self.is_valid():
            return rows.none()
        data = self.cleaned_data
        rows = rows.filter(status=data["status"]) if data["status"] else rows.current()
        if data["quartier"]:
            rows = rows.filter(quartier=data["quartier"])
        if data["ground"]:
            rows = rows.filter(ground=data["ground"])
        if data["origin"]:
            rows = rows.filter(origin=data["origin"])
        if data["ack_due"] == YES:
            rows = rows.filter(status=EntryStatus.RECEIVED, acknowledged_at__isnull=True).exclude(
                origin__in=(Origin.DEPARTEMENT, Origin.CARSAT)
            )
        if data["phone"]:
            rows = rows.matching_phone(data["phone"])
        if data["last_name"]:
            rows = rows.matching_name(data["last_name"], data["first_names"])
        return rows


class ConfirmationDueForm(forms.Form):
    since = forms.DateField(
        label="Non confirmées depuis le",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Par défaut : il y a un an.",
    )

    def since_date(self) -> datetime.date:
        default = timezone.localdate() - datetime.timedelta(days=365)
        if self.is_valid() and self.cleaned_data["since"]:
            return min(self.cleaned_data["since"], timezone.localdate())
        return default
