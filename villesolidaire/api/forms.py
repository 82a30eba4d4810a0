"""The administrator's forms for API keys."""

import datetime
import secrets
from urllib.parse import urlsplit

from django import forms
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.api.models import API_ROLE_CHOICES, WebhookEvent
from villesolidaire.api.scopes import SCOPE_CHOICES, unusable_writes
from villesolidaire.core.validation import date_field
from villesolidaire.partners.models import Organisation, OrganisationStatus

MAX_LIFETIME_DAYS = 3 * 366
GRACE_CHOICES = [("0", "Aucune : l'ancienne clé est refusée tout de suite"), ("24", "24 heures"), ("168", "7 jours")]


def default_expiry() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


class OnceForm(forms.Form):
    """A form that issues a token: a number drawn when the page is shown, so that the same form
    sent twice (a page reloaded after sending) issues nothing the second time."""

    submission = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission", secrets.token_urlsafe(16))
        super().__init__(*args, **kwargs)


def check_writes(form: forms.Form, role: str | None) -> None:
    """A write scope the key's role cannot use is refused, named."""
    refused = unusable_writes(form.cleaned_data.get("scopes") or [], role or "")
    if role and refused:
        label = dict(API_ROLE_CHOICES).get(role, role)
        form.add_error(
            "scopes",
            f"Le rôle « {label} » ne peut pas écrire : décochez {', '.join(f'« {name} »' for name in refused)}.",
        )


class ApiKeySettingsForm(forms.Form):
    """What a key may do, until when, how fast: shared by creation and the key's page (`role`: the
    key's, whose write scopes are checked)."""

    scopes = forms.MultipleChoiceField(
        label="Droits",
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="L'écriture comprend la lecture. Le registre des personnes vulnérables n'est jamais accessible.",
    )
    expires_on = date_field("Valable jusqu'au", required=True, help_text="Ce jour inclus ; trois ans au plus.")
    rate_per_minute = forms.IntegerField(
        label="Appels par minute au plus",
        min_value=1,
        max_value=6000,
        initial=120,
        error_messages={"min_value": "Au moins 1 appel par minute.", "max_value": "6 000 appels par minute au plus."},
    )

    def __init__(self, *args, role: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role

    def clean(self) -> dict:
        cleaned = super().clean()
        check_writes(self, self.role)
        return cleaned

    def clean_expires_on(self) -> datetime.date:
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError("La date d'expiration doit être dans le futur.")
        if day > today + datetime.timedelta(days=MAX_LIFETIME_DAYS):
            raise forms.ValidationError("Une clé vit trois ans au plus : renouvelez-la plutôt.")
        return day

    def clean_scopes(self) -> list[str]:
        scopes = self.cleaned_data["scopes"]
        if not scopes:
            raise forms.ValidationError("Cochez au moins un droit : une clé sans droit ne sert à rien.")
        return scopes

    @property
    def expires_at(self) -> datetime.datetime:
        """End of the chosen day, in the town's time zone."""
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ApiKeyCreateForm(OnceForm, ApiKeySettingsForm):
    name = forms.CharField(
        label="Nom de l'application",
        max_length=80,
        help_text="Par exemple : « Logiciel du CCAS », « Standard téléphonique ».",
    )
    role = forms.ChoiceField(
        label="Rôle",
        choices=API_ROLE_CHOICES,
        help_text="La clé voit ce que ce rôle voit sur le site, pas plus.",
    )
    organisation = forms.ModelChoiceField(
        label="Organisation (clé d'un partenaire)",
        required=False,
        empty_label="—",
        queryset=Organisation.objects.filter(status=OrganisationStatus.VALIDATED).order_by("name"),
    )

    field_order = ["name", "role", "organisation", "scopes", "expires_on", "rate_per_minute"]

    def clean_name(self) -> str:
        # A name taken is refused by the service (services.NAME_TAKEN), which tells it from a form
        # sent twice (whose own key has this name).
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict:
        self.role = self.cleaned_data.get("role")
        cleaned = super().clean()
        if cleaned.get("role") == Role.PARTNER and not cleaned.get("organisation"):
            self.add_error("organisation", "Une clé de partenaire agit pour une organisation : choisissez-la.")
        return cleaned


class RotateForm(OnceForm):
    grace_hours = forms.TypedChoiceField(
        label="L'ancienne clé reste valable", choices=GRACE_CHOICES, coerce=int, initial="24"
    )


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme : tous les appels de cette application seront refusés, définitivement.",
        error_messages={"required": "Cochez la case pour confirmer la révocation."},
    )


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="Adresse de réception",
        max_length=500,
        assume_scheme="https",
        help_text="En https (http seulement vers la machine elle-même, pour un essai).",
    )
    events = forms.MultipleChoiceField(
        label="Événements",
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un événement."},
        help_text="Seuls les événements que les droits et le rôle de la clé lui permettent de lire sont envoyés.",
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        parts = urlsplit(url)
        loopback = parts.hostname in {host.strip("[]") for host in LOOPBACK_HOSTS}
        if not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            raise forms.ValidationError(
                "L'adresse doit commencer par https:// : les événements sont signés, pas cachés."
            )
        return url
