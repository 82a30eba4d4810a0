"""The BAN download format (`adresses-XX.csv`): its columns, how one row becomes a `BanAddress`,
how a file is opened. Read by `manage.py import_ban`, written by the demo town."""

import gzip
import io
import math
import re
from pathlib import Path

from villesolidaire.core.text import fold
from villesolidaire.territory.models import BanAddress

BAN_COLUMNS = [
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "x",
    "y",
    "lon",
    "lat",
    "type_position",
    "alias",
    "nom_ld",
    "libelle_acheminement",
    "nom_afnor",
    "source_position",
    "source_nom_voie",
    "certification_commune",
    "cad_parcelles",
]
# What a row fills: every field of a BanAddress but its primary key.
ADDRESS_FIELDS = tuple(field.name for field in BanAddress._meta.concrete_fields if not field.primary_key)
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTCODE = re.compile(r"^\d{5}$")
COLUMN_INDEX = {name: index for index, name in enumerate(BAN_COLUMNS)}
_SEARCH_TEXT_MAX = BanAddress._meta.get_field("search_text").max_length


class MalformedRow(ValueError):
    pass


def parse_row(row: list[str]) -> BanAddress:
    """One BAN CSV row as an (unsaved) BanAddress; MalformedRow when it cannot be used."""
    if len(row) != len(BAN_COLUMNS):
        raise MalformedRow("nombre de colonnes")
    ban_id = row[COLUMN_INDEX["id"]].strip()
    nom_voie = row[COLUMN_INDEX["nom_voie"]].strip()
    code_insee = row[COLUMN_INDEX["code_insee"]].strip()
    code_postal = row[COLUMN_INDEX["code_postal"]].strip()
    numero = row[COLUMN_INDEX["numero"]].strip()
    rep = row[COLUMN_INDEX["rep"]].strip()
    nom_commune = row[COLUMN_INDEX["nom_commune"]].strip()
    if (
        not ban_id
        or len(ban_id) > 60
        or not nom_voie
        or len(nom_voie) > 200
        or not nom_commune
        or len(nom_commune) > 120
    ):
        raise MalformedRow("identifiant, voie ou commune")
    if not INSEE.match(code_insee) or not POSTCODE.match(code_postal):
        raise MalformedRow("code INSEE ou code postal")
    if len(numero) > 10 or len(rep) > 10:
        raise MalformedRow("numéro")
    try:
        longitude, latitude = float(row[COLUMN_INDEX["lon"]]), float(row[COLUMN_INDEX["lat"]])
    except ValueError as exc:
        raise MalformedRow("coordonnées") from exc
    if not (
        math.isfinite(longitude) and math.isfinite(latitude) and -180 <= longitude <= 180 and -90 <= latitude <= 90
    ):
        raise MalformedRow("coordonnées")
    return BanAddress(
        ban_id=ban_id,
        numero=numero,
        rep=rep,
        nom_voie=nom_voie,
        code_postal=code_postal,
        code_insee=code_insee,
        nom_commune=nom_commune,
        longitude=longitude,
        latitude=latitude,
        search_text=fold(f"{nom_voie} {nom_commune}")[:_SEARCH_TEXT_MAX],
    )


def open_ban_file(path: Path) -> io.TextIOBase:
    # utf-8-sig: files re-saved by a spreadsheet start with a byte-order mark.
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")
