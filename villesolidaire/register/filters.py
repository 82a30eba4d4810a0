"""Filters of the register's lists (django-filter). Every search is written to the audit log by
the view, with its kind (search_kind) rather than the searched text."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.validation import (
    DATE_ERRORS,
    DATE_INPUT_FORMATS,
    clean_text,
    clean_text_fields,
    looks_like_phone,
    phone_e164,
)
from villesolidaire.register.models import TRANSMITTED_ORIGINS, EntryStatus, Ground, Origin, RegisterEntry
from villesolidaire.territory.models import Commune, Quartier

YES = "yes"
SEARCH_ATTRS = {"type": "search", "autocomplete": "off", "spellcheck": "false"}


class EntrySearchForm(forms.Form):
    """Cleaning of the typed searches; the fields come from EntryFilter."""

    def clean_phone(self) -> str:
        """A number the search can read, or a French error: never a silent « 0 inscription »."""
        value = clean_text(self.cleaned_data["phone"])
        if not value:
            return value
        if not looks_like_phone(value):
            raise ValidationError("Tapez un numéro de téléphone, en chiffres, par exemple 06 12 34 56 78.")
        if not phone_e164(value):
            raise ValidationError("Numéro incomplet : tapez le numéro entier, par exemple 06 12 34 56 78.")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("last_name", "first_names"))
        if cleaned.get("first_names") and not cleaned.get("last_name") and "last_name" not in self.errors:
            self.add_error(
                "last_name", "Indiquez aussi le nom : la recherche porte sur le nom et les prénoms ensemble."
            )
        return cleaned


class EntryFilter(django_filters.FilterSet):
    # Without a status, every entry but the removed ones (see filter_queryset).
    status = django_filters.ChoiceFilter(label="État", choices=EntryStatus.choices, empty_label="Tous sauf radiés")
    # An intercommunal service keeps each commune's register apart: the list of one commune.
    commune = django_filters.ModelChoiceFilter(
        label="Commune", queryset=Commune.objects.all(), field_name="quartier__commune", empty_label="Toutes"
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier", queryset=Quartier.objects.only("id", "name"), empty_label="Tous"
    )
    ground = django_filters.ChoiceFilter(label="Qualité", choices=Ground.choices, empty_label="Toutes")
    origin = django_filters.ChoiceFilter(label="Origine", choices=Origin.choices, empty_label="Toutes")
    ack_due = django_filters.ChoiceFilter(
        label="Accusé de réception",
        choices=[(YES, "À envoyer")],
        empty_label="Indifférent",
        method="filter_ack_due",
    )
    phone = django_filters.CharFilter(
        label="Recherche par téléphone",
        max_length=30,
        help_text="Le numéro exact, dans n'importe quel format (06 12 34 56 78, +33 6…). Cherche aussi le numéro de "
        "la personne à prévenir.",
        widget=forms.TextInput(attrs={"type": "search", "inputmode": "tel", "autocomplete": "off"}),
        method="filter_phone",
    )
    last_name = django_filters.CharFilter(
        label="Recherche par nom",
        max_length=80,
        help_text="Tout ou partie du nom, même avec une faute de frappe (« dupon », « Lefèbvre ») ; majuscules, "
        "accents et traits d'union indifférents.",
        widget=forms.TextInput(attrs=SEARCH_ATTRS),
        method="filter_name",
    )
    # Read with the name (filter_name): alone, it filters nothing (the form then asks for the name).
    first_names = django_filters.CharFilter(
        label="Prénoms (facultatif)",
        max_length=120,
        help_text="Un ou plusieurs prénoms, dans n'importe quel ordre, par exemple « Marie Therese ».",
        widget=forms.TextInput(attrs=SEARCH_ATTRS),
        method="filter_nothing",
    )

    class Meta:
        model = RegisterEntry
        fields: list[str] = []
        form = EntrySearchForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A town's own CCAS serves one commune: no commune to choose (one query).
        if not Commune.objects.exists():
            del self.filters["commune"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset if self.form.cleaned_data.get("status") else queryset.current()

    def filter_ack_due(self, queryset, _name, _value):
        return queryset.filter(status=EntryStatus.RECEIVED, acknowledged_at__isnull=True).exclude(
            origin__in=TRANSMITTED_ORIGINS
        )

    def filter_phone(self, queryset, _name, value: str):
        return queryset.matching_phone(value)

    def filter_name(self, queryset, _name, value: str):
        # Ranked, best first (RegisterEntryQuerySet.search_name); the view keeps that order.
        return queryset.search_name(f"{value} {self.form.cleaned_data.get('first_names', '')}")

    def filter_nothing(self, queryset, _name, _value):
        return queryset

    @property
    def is_name_search(self) -> bool:
        return self.is_valid() and bool(self.form.cleaned_data["last_name"])

    @property
    def search_kind(self) -> str:
        """What kind of search was asked (written to the audit log instead of the searched text)."""
        if not self.is_valid():
            return ""
        data, kinds = self.form.cleaned_data, []
        if data["phone"]:
            kinds.append("téléphone")
        if data["last_name"]:
            kinds.append("nom et prénoms" if data["first_names"] else "nom")
        return " + ".join(kinds)


class ConfirmationDueFilter(django_filters.FilterSet):
    """Active entries not confirmed since a date (a year ago unless chosen, never after today)."""

    since = django_filters.DateFilter(
        label="Non confirmées depuis le",
        input_formats=DATE_INPUT_FORMATS,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Par défaut : il y a un an.",
    )

    class Meta:
        model = RegisterEntry
        fields: list[str] = []

    def filter_queryset(self, queryset):
        # One date with a default, even when the form is empty or invalid: not a per-field lookup.
        return queryset.confirmation_due(self.since_date())

    def since_date(self) -> datetime.date:
        default = timezone.localdate() - datetime.timedelta(days=365)
        if self.is_valid() and self.form.cleaned_data["since"]:
            return min(self.form.cleaned_data["since"], timezone.localdate())
        return default
