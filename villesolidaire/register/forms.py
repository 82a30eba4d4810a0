"""Forms of the register: officer entry and correction, public self-registration, search and
filters, transitions, consent-based extras, resident link, list import, préfet export.

Every field goes through the shared input hygiene (core.validation); eligibility follows
R121-3 (65+; 60+ unfit for work; disabled adult with a benefit), checked on the birth date."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.campaigns.models import Episode
from villesolidaire.core.text import fold
from villesolidaire.core.validation import (
    DATE_ERRORS,
    clean_person_name,
    clean_text,
    clean_text_fields,
    parse_phone,
    phone_field,
)
from villesolidaire.register.models import (
    DisabilityBenefit,
    EntryStatus,
    ExportFormat,
    Ground,
    Origin,
    RegisterEntry,
    RemovalReason,
)
from villesolidaire.territory.forms import AddressFieldsMixin
from villesolidaire.territory.models import Quartier

MIN_BIRTH_DATE = datetime.date(1900, 1, 1)
MINIMUM_AGE = {Ground.AGE_65: 65, Ground.AGE_60_UNFIT: 60, Ground.DISABLED_ADULT: 18}
ELIGIBILITY_MESSAGES = {
    Ground.AGE_65: "Cette qualité concerne les personnes de 65 ans et plus : "
    "d'après la date de naissance, la personne a {age} ans. "
    "Si elle a plus de 60 ans et est reconnue inapte au travail, ou si elle est adulte handicapée, "
    "choisissez cette qualité.",
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
    return forms.DateField(
        label=kwargs.pop("label", "Date de naissance"),
        error_messages={**DATE_ERRORS, "required": "Indiquez la date de naissance."},
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
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


OFFICER_ORIGINS = [(o.value, o.label) for o in (Origin.SELF, Origin.LEGAL_REP, Origin.THIRD_PARTY)]


class EntryForm(EntryFieldsMixin):
    """Officer entry and correction: every R121-4 field, origin, management notes."""

    request_date = forms.DateField(
        label="Date de la demande",
        initial=timezone.localdate,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={**DATE_ERRORS, "required": "Indiquez la date de la demande."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    origin = forms.ChoiceField(
        label="La demande est faite par",
        choices=OFFICER_ORIGINS,
        widget=forms.RadioSelect,
        initial=Origin.SELF,
        error_messages={"invalid_choice": "Origine inconnue.", "required": "Indiquez qui fait la demande."},
        help_text="Un tiers ne peut demander l'inscription que par écrit (R121-6).",
    )
    third_party_name = forms.CharField(label="Nom du tiers ayant fait la demande", max_length=120, required=False)
    third_party_capacity = forms.CharField(
        label="Qualité du tiers (lien avec la personne)",
        max_length=120,
        required=False,
        help_text="Par exemple : fille, voisin, médecin traitant, service d'aide à domicile.",
    )
    notes = forms.CharField(
        label="Remarques de gestion",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Uniquement pour la gestion de l'inscription : aucune donnée de santé (voir les informations "
        "complémentaires, avec accord).",
    )
    confirm_other_person = forms.BooleanField(
        label="Il s'agit bien d'une autre personne que l'inscription existante (homonyme, conjoint·e au même numéro)",
        required=False,
    )

    def __init__(self, *args, entry: RegisterEntry | None = None, **kwargs):
        self.entry = entry
        if entry is not None:
            kwargs.setdefault(
                "initial", {name: getattr(entry, name) for name in self.base_fields if hasattr(entry, name)}
            )
        super().__init__(*args, **kwargs)
        self.fields[
            "address"
        ].help_text = (
            "Numéro et rue. Une adresse introuvable est gardée telle que saisie et signalée « non localisée »."
        )
        if entry is not None:
            del self.fields["confirm_other_person"]
            if entry.origin not in dict(OFFICER_ORIGINS):
                self.fields["origin"].choices = [(entry.origin, entry.get_origin_display())]

    def clean_third_party_name(self) -> str:
        return clean_person_name(self.cleaned_data["third_party_name"])

    def clean_request_date(self):
        value = self.cleaned_data["request_date"]
        if value > timezone.localdate():
            raise ValidationError("La date de la demande ne peut pas être dans le futur.")
        if value < datetime.date(2004, 1, 1):
            raise ValidationError("Date de la demande invalide : le registre existe depuis 2004.")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("notes",), multiline=("notes",))
        self.check_entry(cleaned, on=cleaned.get("request_date"))
        if cleaned.get("origin") == Origin.THIRD_PARTY:
            if not cleaned.get("third_party_name") and "third_party_name" not in self.errors:
                self.add_error("third_party_name", "Une demande faite par un tiers exige son nom.")
            if not cleaned.get("third_party_capacity") and "third_party_capacity" not in self.errors:
                self.add_error(
                    "third_party_capacity", "Une demande faite par un tiers exige sa qualité (lien avec la personne)."
                )
        elif cleaned.get("origin") in (Origin.SELF, Origin.LEGAL_REP):
            cleaned["third_party_name"] = cleaned["third_party_capacity"] = ""
        return cleaned


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
    # Honeypot: hidden from people (CSS and aria-hidden), filled by naive bots.
    website = forms.CharField(
        label="Ne pas remplir ce champ",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

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


# Lists ----------------------------------------------------------------------------------------

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


# Transitions ----------------------------------------------------------------------------------


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


def consent_date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={**DATE_ERRORS, "required": "Indiquez la date de l'accord de la personne."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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


# Import and export ----------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    origin = forms.ChoiceField(
        label="Liste transmise par",
        widget=forms.RadioSelect,
        choices=[(Origin.DEPARTEMENT.value, Origin.DEPARTEMENT.label), (Origin.CARSAT.value, Origin.CARSAT.label)],
        error_messages={"required": "Indiquez qui a transmis la liste.", "invalid_choice": "Origine inconnue."},
    )
    file = forms.FileField(
        label="Fichier CSV",
        help_text="Séparateur point-virgule ou virgule, encodage UTF-8 ou Latin-1. Colonnes : "
        "voir la documentation (docs/register.md) et le modèle ci-dessous.",
        error_messages={"required": "Choisissez le fichier à importer.", "empty": "Le fichier est vide."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("Fichier trop gros : 5 Mo au plus.")
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError("Envoyez un fichier CSV (.csv).")
        return upload


class ExportForm(forms.Form):
    episode = forms.ModelChoiceField(
        label="Épisode (plan d'alerte déclenché)",
        queryset=Episode.objects.all(),
        empty_label="— choisir —",
        error_messages={
            "required": "Choisissez l'épisode pour lequel le préfet demande le registre.",
            "invalid_choice": "Cet épisode n'existe pas.",
        },
    )
    requested_by = forms.CharField(
        label="Demandé par (nom et service à la préfecture)",
        max_length=200,
        error_messages={"required": "Indiquez qui a demandé le registre à la préfecture."},
    )
    reason = forms.CharField(
        label="Motif de la demande",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indiquez le motif de la demande."},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        initial=ExportFormat.XLSX,
        error_messages={"invalid_choice": "Format inconnu."},
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        clean_text_fields(self, ("requested_by", "reason"), multiline=("reason",))
        return cleaned


# Rows of an imported list ---------------------------------------------------------------------

IMPORT_COLUMNS = {
    "nom": "last_name",
    "prenoms": "first_names",
    "prenom": "first_names",
    "date_naissance": "birth_date",
    "date_de_naissance": "birth_date",
    "qualite": "ground",
    "avantage": "disability_benefit",
    "adresse": "address",
    "complement_adresse": "address_complement",
    "complement_d_adresse": "address_complement",
    "code_postal": "postcode",
    "commune": "city",
    "telephone": "phone",
    "service_domicile": "home_care_service",
    "contact_urgence_nom": "emergency_contact_name",
    "contact_urgence_telephone": "emergency_contact_phone",
    "date_demande": "request_date",
    "date_transmission": "request_date",
}
REQUIRED_IMPORT_COLUMNS = ("last_name", "first_names", "birth_date", "address")
GROUND_ALIASES = {
    **{fold(value): value for value in Ground.values},
    **{fold(label): value for value, label in Ground.choices},
    "65 ans et plus": Ground.AGE_65,
    "65": Ground.AGE_65,
    "age 65": Ground.AGE_65,
    "60 ans inapte": Ground.AGE_60_UNFIT,
    "inapte au travail": Ground.AGE_60_UNFIT,
    "adulte handicape": Ground.DISABLED_ADULT,
    "handicap": Ground.DISABLED_ADULT,
}
BENEFIT_ALIASES = {
    **{fold(value): value for value in DisabilityBenefit.values},
    **{fold(label): value for value, label in DisabilityBenefit.choices},
    "pension d invalidite": DisabilityBenefit.INVALIDITY,
    "invalidite": DisabilityBenefit.INVALIDITY,
}


def import_column(header: str) -> str | None:
    return IMPORT_COLUMNS.get(fold(header).replace(" ", "_"))


class ImportRowForm(EntryFieldsMixin):
    """One row of a transmitted list, validated like an officer entry."""

    request_date = forms.DateField(required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"], error_messages=DATE_ERRORS)

    def __init__(self, data: dict, **kwargs):
        data = dict(data)
        data["ground"] = GROUND_ALIASES.get(fold(data.get("ground", "")), data.get("ground", ""))
        data["disability_benefit"] = BENEFIT_ALIASES.get(
            fold(data.get("disability_benefit", "")), data.get("disability_benefit", "")
        )
        data["birth_date"] = (data.get("birth_date") or "").strip()
        super().__init__(data, **kwargs)
        self.fields["ground"].required = False
        self.fields["birth_date"].input_formats = ["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"]

    def clean_request_date(self):
        value = self.cleaned_data.get("request_date") or timezone.localdate()
        if value > timezone.localdate():
            raise ValidationError("La date de la demande ne peut pas être dans le futur.")
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("ground") and "ground" not in self.errors:
            birth = cleaned.get("birth_date")
            if birth and age_on(birth, timezone.localdate()) >= 65:
                cleaned["ground"] = Ground.AGE_65
            elif birth:
                self.add_error("ground", "Qualité manquante : indiquez age_65, age_60_unfit ou disabled_adult.")
        self.check_entry(cleaned)
        return cleaned
