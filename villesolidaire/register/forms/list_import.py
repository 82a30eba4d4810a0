"""Importing a list sent by the département or the CARSAT: the file, then each row as an entry."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from villesolidaire.core.text import fold
from villesolidaire.core.validation import DATE_ERRORS
from villesolidaire.register.forms.entry_fields import EntryFieldsMixin, age_on
from villesolidaire.register.models import DisabilityBenefit, Ground, Origin

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
