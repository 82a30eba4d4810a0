import re
from urllib.parse import urlsplit

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from email_validator import EmailNotValidError, validate_email
from phonenumber_field.formfields import PhoneNumberField

from villesolidaire.accounts.models import User
from villesolidaire.core import validation
from villesolidaire.core.validation import clean_person_name, clean_text_fields, honeypot_field
from villesolidaire.partners import vocabulary
from villesolidaire.partners.models import (
    Organisation,
    OrganisationContact,
    OrganisationStatus,
    OrganisationType,
    Service,
)
from villesolidaire.partners.services import SERVICE_FIELDS
from villesolidaire.territory.forms import AddressFieldsMixin
from villesolidaire.territory.models import Quartier

PHONE_INVALID = "Numéro de téléphone invalide. Exemple : 02 99 12 34 56 ou +33 2 99 12 34 56."
EMAIL_ERRORS = {"invalid": "Adresse e-mail invalide. Exemple : contact@association.fr."}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def phone_field(label: str = "Téléphone", **kwargs) -> PhoneNumberField:
    """An organisation's phone: the shared field, with a landline as the example."""
    return validation.phone_field(label, invalid=PHONE_INVALID, **kwargs)


def open_data_email(value: str) -> str:
    """An address the data·inclusion schema accepts (no reserved domain such as .invalid or
    .test): what is published must be usable by whoever reads the open data."""
    if value:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValidationError(
                "Adresse e-mail non publiable : le domaine après @ n'existe pas ou est réservé.", code="open_data"
            ) from error
    return value


def optional_web_address(label: str, *, example: str, max_length: int, help_text: str) -> forms.URLField:
    """An optional https address field whose error message shows an example."""
    return forms.URLField(
        label=label,
        required=False,
        assume_scheme="https",
        max_length=max_length,
        help_text=help_text,
        error_messages={"invalid": f"Adresse web invalide. Exemple : {example}"},
    )


class PublishedEmailMixin:
    """For a form whose `email` is published in the open data (organisations, services)."""

    def clean_email(self) -> str:
        value = (self.cleaned_data["email"] or "").lower()
        # Only a new address is checked: an entry saved before (or imported) stays editable.
        return open_data_email(value) if "email" in self.changed_data else value


ACCESLIBRE_HOSTS = {"acceslibre.beta.gouv.fr", "acceslibre.gouv.fr"}


class EligibilityZoneField(forms.CharField):
    """A list of zone codes, typed separated by commas or spaces."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": 3000, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            value = ", ".join(value)
        zone = vocabulary.zone_codes(re.split(r"[\s,;]+", super().to_python(value)[:3000]))
        if zone.unknown:
            raise ValidationError(
                "Code(s) non reconnu(s) : %(codes)s. Indiquez des codes INSEE : commune (5 caractères, ex. 35238), "
                "département (ex. 35, 2A, 971), intercommunalité (SIREN à 9 chiffres) ou « france ».",
                code="zone",
                params={"codes": ", ".join(zone.unknown[:5])},
            )
        if len(zone.codes) > vocabulary.MAX_ZONE_CODES:
            raise ValidationError(vocabulary.TOO_MANY_ZONE_CODES, code="zone_size")
        return zone.codes


def _formfield(field, **kwargs):
    # Addresses typed without a scheme are taken as https (Django 6's default, stated now).
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class OrganisationForm(PublishedEmailMixin, AddressFieldsMixin, forms.ModelForm):
    """The directory entry, shared by the public proposal, the partner space and coordinators."""

    phone = phone_field(help_text="Numéro affiché sur la carte.")
    email = forms.EmailField(
        label="E-mail de contact public",
        required=False,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Longer than 14 so that "123 456 789 00012" typed with spaces is not cut by the browser.
    siret = forms.CharField(
        label="SIRET", required=False, max_length=20, help_text="Facultatif : 14 chiffres (les espaces sont retirés)."
    )
    website = optional_web_address(
        "Site web",
        example="https://www.association.fr",
        max_length=200,
        help_text="Facultatif. Exemple : https://www.association.fr",
    )
    accessibility_url = optional_web_address(
        "Accessibilité du lieu (Acceslibre)",
        example="https://acceslibre.beta.gouv.fr/app/…",
        max_length=500,
        help_text="Facultatif. Adresse de la fiche du lieu sur Acceslibre, le site public qui décrit "
        "l'accessibilité des établissements : https://acceslibre.beta.gouv.fr/…",
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "type",
            "description",
            "address",
            "address_complement",
            "postcode",
            "city",
            "phone",
            "email",
            "website",
            "opening_hours",
            "accessibility_url",
            "siret",
            "rna",
        ]
        formfield_callback = _formfield
        labels = {"name": "Nom de la structure", "description": "Présentation"}
        help_texts = {
            "siret": "Facultatif : 14 chiffres (les espaces sont retirés).",
            "rna": "Facultatif, pour une association : W suivi de 9 chiffres.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(
            self,
            ("name", "description", "address", "address_complement", "city", "opening_hours"),
            multiline=("description",),
        )
        if cleaned.get("siret"):
            cleaned["siret"] = cleaned["siret"].replace(" ", "")
        return cleaned

    def clean_siret(self) -> str:
        value = (self.cleaned_data.get("siret") or "").replace(" ", "")
        if value and not (value.isdigit() and len(value) == 14):
            raise ValidationError("Le SIRET compte 14 chiffres.")
        return value

    def clean_rna(self) -> str:
        return (self.cleaned_data.get("rna") or "").strip().upper()

    def clean_accessibility_url(self) -> str:
        """A new address must be an Acceslibre page (an imported one stays editable as it is)."""
        value = self.cleaned_data.get("accessibility_url") or ""
        if value and "accessibility_url" in self.changed_data and urlsplit(value).hostname not in ACCESLIBRE_HOSTS:
            raise ValidationError(
                "Indiquez l'adresse de la fiche du lieu sur Acceslibre, qui commence par "
                "https://acceslibre.beta.gouv.fr/.",
                code="not_acceslibre",
            )
        return value

    @property
    def address_changed(self) -> bool:
        return any(name in self.changed_data for name in self.address_field_names)


class PersonFieldsMixin(forms.Form):
    first_name = forms.CharField(
        label="Prénom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    account_email = forms.EmailField(
        label="Votre adresse e-mail",
        error_messages=EMAIL_ERRORS,
        max_length=254,
        help_text="Elle sert d'identifiant pour votre espace partenaire. Elle n'est pas publiée.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_first_name(self) -> str:
        return clean_person_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_person_name(self.cleaned_data["last_name"])

    # Staff creating an account are told the e-mail is taken; the public proposal form is not
    # (ProposalForm: its answer must not tell who has an account).
    refuse_taken_email = True

    def clean_account_email(self) -> str:
        email = self.cleaned_data["account_email"].strip().lower()
        if self.refuse_taken_email and User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "Un compte existe déjà avec cette adresse e-mail. Utilisez-en une autre ou contactez le CCAS.",
                code="duplicate",
            )
        return email


class ProposalForm(PersonFieldsMixin, OrganisationForm):
    """Public « proposer une structure » form."""

    refuse_taken_email = False

    function = forms.CharField(label="Votre fonction dans la structure", max_length=120, required=False)
    contact_phone = phone_field("Votre téléphone", help_text="Facultatif. Pour que le CCAS puisse vous rappeler.")
    publication_accepted = forms.BooleanField(
        label="J'accepte que les informations de la structure et de ses services soient publiées sur la carte "
        "et en données ouvertes, une fois validées par le CCAS.",
        error_messages={"required": "Cochez cette case pour proposer la structure."},
    )
    website_confirmation = honeypot_field("Ne pas remplir")

    def clean_website_confirmation(self) -> str:
        if self.cleaned_data.get("website_confirmation"):
            raise ValidationError("Ce champ doit rester vide.")
        return ""


class OrganisationCreateForm(OrganisationForm):
    """Coordinators: an organisation and, optionally, its partner account."""

    first_name = forms.CharField(label="Prénom de la personne partenaire", max_length=80, required=False)
    last_name = forms.CharField(label="Nom de la personne partenaire", max_length=80, required=False)
    account_email = forms.EmailField(
        label="E-mail du compte partenaire",
        required=False,
        error_messages=EMAIL_ERRORS,
        max_length=254,
        help_text="Facultatif. La personne reçoit un lien pour choisir son mot de passe.",
    )
    refuse_taken_email = True  # staff are told (PersonFieldsMixin.clean_account_email)

    def clean_account_email(self) -> str:
        return PersonFieldsMixin.clean_account_email(self) if self.cleaned_data.get("account_email") else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account_email") and not (cleaned.get("first_name") and cleaned.get("last_name")):
            self.add_error("first_name", "Indiquez le prénom et le nom de la personne qui aura le compte.")
        return cleaned


class PartnerAccountForm(PersonFieldsMixin, forms.Form):
    account_email = forms.EmailField(label="Adresse e-mail", error_messages=EMAIL_ERRORS, max_length=254)


ZONE_HELP = (
    "Où il faut habiter pour en bénéficier : codes INSEE séparés par des virgules — commune (ex. 35238), "
    "département (ex. 35, 2A, 971), intercommunalité (SIREN à 9 chiffres) ou « france »."
)
# An imported service without a zone is published without one, as its producer gave it (opendata._zone).
IMPORTED_ZONE_HELP = ZONE_HELP + " Laissez vide si le service n'en a pas : aucune zone n'est alors publiée."


class ServiceForm(PublishedEmailMixin, AddressFieldsMixin, forms.ModelForm):
    type = forms.ChoiceField(
        label="Type de service", choices=[("", "—"), *vocabulary.TYPE_SERVICE_CHOICES], required=False
    )
    thematiques = forms.MultipleChoiceField(
        label="Thématiques",
        choices=vocabulary.THEMATIQUE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une thématique."},
    )
    publics = forms.MultipleChoiceField(
        label="Publics",
        choices=vocabulary.PUBLIC_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="« Tous publics » ne se combine pas avec d'autres publics.",
        error_messages={"required": "Choisissez au moins un public (ou « Tous publics »)."},
    )
    modes_accueil = forms.MultipleChoiceField(
        label="Modes d'accueil",
        choices=vocabulary.MODE_ACCUEIL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    modes_mobilisation = forms.MultipleChoiceField(
        label="Comment en bénéficier",
        choices=vocabulary.MODE_MOBILISATION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mobilisable_par = forms.MultipleChoiceField(
        label="Qui peut faire la demande",
        choices=vocabulary.MOBILISABLE_PAR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Les personnes elles-mêmes (usagers), les professionnels qui les accompagnent "
        "(travailleurs sociaux, conseillers…), ou les deux.",
    )
    mobilisation_url = optional_web_address(
        "Lien pour en bénéficier",
        example="https://www.association.fr/inscription",
        max_length=500,
        help_text="Facultatif : la page où faire la demande en ligne (formulaire, prise de rendez-vous). "
        "Exemple : https://www.association.fr/inscription",
    )
    eligibility_zone = EligibilityZoneField(
        label="Zone d'éligibilité",
        required=False,
        help_text=ZONE_HELP + " Laissez vide pour la seule commune.",
    )
    frais = forms.ChoiceField(label="Frais", choices=[("", "Non précisé")] + vocabulary.FRAIS_CHOICES, required=False)
    phone = phone_field()
    email = forms.EmailField(label="E-mail", required=False, error_messages=EMAIL_ERRORS)

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        labels = {"name": "Nom du service"}
        help_texts = {
            "description": "Ce que le service apporte, à qui, comment. Des phrases courtes.",
            "is_active": "Décochez pour retirer le service de la carte sans le supprimer.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].required = False
        self.fields["address"].help_text = (
            "Laissez vide si le service a lieu à l'adresse de la structure. " + self.fields["address"].help_text
        )
        if self.instance.data_source:
            self.fields["eligibility_zone"].help_text = IMPORTED_ZONE_HELP

    @property
    def thematique_groups(self) -> list[tuple[str, list]]:
        """The thématique checkboxes grouped by catégorie, one fieldset each."""
        boxes = {box.data["value"]: box for box in self["thematiques"]}
        return [(label, [boxes[value] for value, _label in values]) for label, values in vocabulary.THEMATIQUE_CHOICES]

    def clean_publics(self) -> list[str]:
        publics = self.cleaned_data["publics"]
        if vocabulary.TOUS_PUBLICS in publics and len(publics) > 1:
            raise ValidationError("« Tous publics » ne peut pas être choisi avec d'autres publics.")
        return publics

    def clean(self):
        cleaned = super().clean()
        if vocabulary.LINK_MODE in (cleaned.get("modes_mobilisation") or ()) and not cleaned.get("mobilisation_url"):
            if "mobilisation_url" not in self.errors:
                self.add_error(
                    "mobilisation_url",
                    "Indiquez le lien pour en bénéficier : vous avez coché « Utiliser le lien de mobilisation ».",
                )
        clean_text_fields(
            self,
            (
                "name",
                "description",
                "publics_precisions",
                "access_conditions",
                "mobilisation_precisions",
                "frais_precisions",
                "opening_hours",
                "contact_name",
                "address",
                "address_complement",
                "city",
            ),
            multiline=("description",),
        )
        return cleaned


class ContactForm(forms.ModelForm):
    phone = phone_field()
    email = forms.EmailField(label="E-mail", required=False, error_messages=EMAIL_ERRORS)

    class Meta:
        model = OrganisationContact
        fields = ["name", "function", "phone", "email"]

    def clean(self):
        cleaned = super().clean()
        clean_text_fields(self, ("name", "function"))
        if not cleaned.get("phone") and not cleaned.get("email") and not self.errors:
            raise ValidationError("Indiquez au moins un téléphone ou un e-mail.")
        return cleaned


class StatusChangeForm(forms.Form):
    ACTIONS = {"validate": OrganisationStatus.VALIDATED, "suspend": OrganisationStatus.SUSPENDED}

    action = forms.ChoiceField(choices=[("validate", "Valider"), ("suspend", "Suspendre")])
    reason = forms.CharField(label="Motif", max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "suspend" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Indiquez le motif de la suspension.")
        return cleaned

    @property
    def target_status(self) -> str:
        return self.ACTIONS[self.cleaned_data["action"]]


class ChangeDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Accepter"), ("reject", "Refuser")])
    reason = forms.CharField(
        label="Motif (communiqué au partenaire)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Indiquez au partenaire pourquoi la modification est refusée.")
        return cleaned


class ImportForm(forms.Form):
    structures = forms.FileField(label="Fichier des structures (JSON data·inclusion)")
    services = forms.FileField(label="Fichier des services (JSON data·inclusion)", required=False)

    def clean(self):
        cleaned = super().clean()
        for name in ("structures", "services"):
            upload = cleaned.get(name)
            if upload and upload.size > MAX_UPLOAD_BYTES:
                self.add_error(name, "Fichier trop volumineux (20 Mo au plus).")
        return cleaned


# Filters ----------------------------------------------------------------------------------------


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom", field_name="name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="Statut", choices=OrganisationStatus.choices, empty_label="Tous")
    type = django_filters.ChoiceFilter(label="Type", choices=OrganisationType.choices, empty_label="Tous")
    quartier = django_filters.ModelChoiceFilter(label="Quartier", queryset=Quartier.objects.all(), empty_label="Tous")
    pending_changes = django_filters.BooleanFilter(
        label="Modifications à examiner",
        method="filter_pending_changes",
        widget=forms.Select(choices=[("", "Peu importe"), ("true", "Oui"), ("false", "Non")]),
    )

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_pending_changes(self, queryset, _name, value):
        if value is None:
            return queryset
        return queryset.filter(pending_count__gt=0) if value else queryset.filter(pending_count=0)


class MapFilter(django_filters.FilterSet):
    """Filters of the public map and list: thématique (or a whole catégorie), public, quartier."""

    thematique = django_filters.ChoiceFilter(
        label="Thématique",
        method="filter_thematique",
        empty_label="Toutes",
        choices=[
            (label, [(f"{values[0][0].split('--')[0]}", f"{label} (toutes)")] + values)
            for label, values in vocabulary.THEMATIQUE_CHOICES
        ],
    )
    public = django_filters.ChoiceFilter(
        label="Public", choices=vocabulary.PUBLIC_CHOICES, method="filter_public", empty_label="Tous"
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier", queryset=Quartier.objects.all(), method="filter_quartier", empty_label="Tous"
    )
    q = django_filters.CharFilter(label="Mot-clé", method="filter_text")

    class Meta:
        model = Service
        fields: list[str] = []

    def filter_thematique(self, queryset, _name, value):
        if "--" in value:
            return queryset.with_thematique(value)
        # A whole catégorie: every thématique starts with "<catégorie>--".
        return queryset.filter(thematiques__icontains=f'"{value}--')

    def filter_public(self, queryset, _name, value):
        if value == vocabulary.TOUS_PUBLICS:
            return queryset.with_public(value)
        # A service open to everyone also serves this public.
        everyone = f'"{vocabulary.TOUS_PUBLICS}"'
        return queryset.filter(Q(publics__icontains=f'"{value}"') | Q(publics__icontains=everyone))

    def filter_quartier(self, queryset, _name, value):
        return queryset.in_quartier(value)

    def filter_text(self, queryset, _name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(organisation__name__icontains=value) | Q(description__icontains=value)
        )


class RelayForm(forms.Form):
    """The organisation a request is referred to, or a support handed over to."""

    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.filter(status=OrganisationStatus.VALIDATED).order_by("name"),
        empty_label="Choisir une organisation",
        error_messages={
            "required": "Choisissez l'organisation.",
            "invalid_choice": "Cette organisation n'est pas validée par la commune : choisissez-en une autre.",
        },
    )
    note = forms.CharField(
        label="Précisions (facultatif)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        error_messages={"max_length": "300 caractères au plus."},
    )

    def clean_note(self) -> str:
        return validation.clean_text(self.cleaned_data["note"], multiline=True)
