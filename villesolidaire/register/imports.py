"""Reading a list transmitted by the département (APA/PCH) or the CARSAT (docs/register.md).

The whole file is validated first: one invalid row and nothing is imported; the officer gets
every error with its line number, in French."""

from __future__ import annotations

from dataclasses import dataclass, field

from villesolidaire.register.forms.list_import import REQUIRED_IMPORT_COLUMNS, ImportRowForm, import_column
from villesolidaire.register.services import decode_upload, read_csv

MAX_ROWS = 50_000
MAX_ERRORS = 200
FIELD_LABELS = {
    "last_name": "nom",
    "first_names": "prénoms",
    "birth_date": "date de naissance",
    "ground": "qualité",
    "disability_benefit": "avantage",
    "address": "adresse",
    "address_complement": "complément d'adresse",
    "postcode": "code postal",
    "city": "commune",
    "phone": "téléphone",
    "home_care_service": "service à domicile",
    "emergency_contact_name": "personne à prévenir",
    "emergency_contact_phone": "téléphone de la personne à prévenir",
    "request_date": "date de la demande",
}


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_file(raw: bytes) -> ParsedFile:
    parsed = ParsedFile()
    text = decode_upload(raw).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        parsed.errors.append("Ce fichier n'est pas un fichier CSV (texte) : enregistrez la liste au format CSV.")
        return parsed
    header, records = read_csv(text)
    columns = [import_column(name) for name in header]
    missing = [FIELD_LABELS[name] for name in REQUIRED_IMPORT_COLUMNS if name not in columns]
    if missing:
        parsed.errors.append(
            "Colonnes obligatoires absentes de la première ligne : "
            + ", ".join(missing)
            + ". Colonnes attendues : nom ; prenoms ; date_naissance ; adresse (voir la documentation)."
        )
        return parsed
    if not records:
        parsed.errors.append("Le fichier ne contient aucune ligne à importer.")
        return parsed
    if len(records) > MAX_ROWS:
        parsed.errors.append(f"Trop de lignes : {MAX_ROWS} au plus par fichier.")
        return parsed
    for line, record in records:
        if len(record) > len(columns):
            extra = [cell for cell in record[len(columns) :] if cell.strip()]
            if extra:
                parsed.errors.append(f"Ligne {line} : plus de valeurs que de colonnes (séparateur dans une valeur ?).")
                continue
        data = {
            name: (record[index] if index < len(record) else "").strip() for index, name in enumerate(columns) if name
        }
        form = ImportRowForm(data)
        if form.is_valid():
            parsed.rows.append((line, form.cleaned_data))
        else:
            for name, messages in form.errors.items():
                label = FIELD_LABELS.get(name, "ligne")
                parsed.errors.append(f"Ligne {line} : {label} — {' '.join(messages)}")
        if len(parsed.errors) >= MAX_ERRORS:
            parsed.errors.append(f"Plus de {MAX_ERRORS} erreurs : corrigez celles-ci puis recommencez.")
            break
    return parsed
