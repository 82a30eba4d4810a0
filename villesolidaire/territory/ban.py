"""The BAN download formats (`adresses-XX.csv`, `adresses-with-ids-XX.csv`): their columns, how one
row becomes a `BanAddress`, how a file is opened, which codes a commune's addresses carry and which
rows `--commune` keeps (`CommuneFilter`). Read by `manage.py import_ban` and the offline geocoder,
written by the demo town."""

import gzip
import io
import math
import re
import uuid
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from villesolidaire.core.text import fold
from villesolidaire.territory.models import INSEE_COMMUNE, BanAddress

# The classic file, in its order (the demo town writes it).
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
# Without these a row cannot be placed; every other column may be missing or elsewhere.
REQUIRED_COLUMNS = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
# The file "with ids" adds the BAN's stable identifiers (address, street, commune), at the end or
# right after `id` depending on the export: only the address's is kept.
OPTIONAL_COLUMNS = ("id_ban_adresse", "code_insee_ancienne_commune", "nom_ancienne_commune")
# What a row fills: every field of a BanAddress but its primary key.
ADDRESS_FIELDS = tuple(field.name for field in BanAddress._meta.concrete_fields if not field.primary_key)
INSEE = re.compile(rf"^({INSEE_COMMUNE})$", re.ASCII)
POSTCODE = re.compile(r"^\d{5}$", re.ASCII)
_SEARCH_TEXT_MAX = BanAddress._meta.get_field("search_text").max_length
_NAME_MAX = BanAddress._meta.get_field("nom_commune").max_length

# Paris, Lyon and Marseille: a town is configured with the commune's code, but the BAN gives each
# address the code of its municipal arrondissement.
MUNICIPAL_ARRONDISSEMENTS = {
    "75056": tuple(str(code) for code in range(75101, 75121)),
    "69123": tuple(str(code) for code in range(69381, 69390)),
    "13055": tuple(str(code) for code in range(13201, 13217)),
}


def commune_codes(code: str) -> tuple[str, ...]:
    """The `code_insee` values a commune's addresses carry in the BAN: its own code and, for Paris,
    Lyon and Marseille, their arrondissements'."""
    return (code, *MUNICIPAL_ARRONDISSEMENTS.get(code, ()))


class MalformedRow(ValueError):
    pass


class MissingColumns(ValueError):
    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class BanLayout:
    """Where the columns read are in one file, found once from its header line: the published
    files differ in their order and in their extra columns."""

    width: int
    positions: dict[str, int]
    # The columns read, taken from a row in one call (a département file has ~500,000 rows).
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _get: itemgetter = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_names", tuple(self.positions))
        object.__setattr__(self, "_get", itemgetter(*self.positions.values()))

    @classmethod
    def from_header(cls, header: list[str]) -> "BanLayout":
        """MissingColumns when a required column is not in the header."""
        found: dict[str, int] = {}
        for position, name in enumerate(header):
            found.setdefault(name.strip().lower(), position)
        missing = [name for name in REQUIRED_COLUMNS if name not in found]
        if missing:
            raise MissingColumns(missing)
        read = {name: found[name] for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if name in found}
        return cls(width=len(header), positions=read)

    def values(self, row: list[str]) -> dict[str, str]:
        """The row's columns that are read, by name, stripped; a missing optional one is absent."""
        return dict(zip(self._names, map(str.strip, self._get(row)), strict=True))


class CommuneFilter:
    """Which rows belong to the communes asked for: by their code, their arrondissements' (Paris,
    Lyon, Marseille) or, in a commune nouvelle, the code of the former commune the row lies in.
    Remembers the codes met, so that a code with no row in the file can be told (`not_found`)."""

    def __init__(self, codes: list[str], layout: BanLayout):
        self.codes = codes
        self.accepted = frozenset(code for asked in codes for code in commune_codes(asked))
        self.code_position = layout.positions["code_insee"]
        self.former_position = layout.positions.get("code_insee_ancienne_commune")
        self.seen: set[str] = set()

    def keeps(self, row: list[str]) -> bool:
        """Whether a row (of the layout's width) is one of theirs."""
        for position in (self.code_position, self.former_position):
            code = row[position].strip() if position is not None else ""
            if code in self.accepted:
                self.seen.add(code)
                return True
        return False

    def not_found(self) -> list[str]:
        """The codes asked for of which no row was kept."""
        return [code for code in self.codes if not self.seen.intersection(commune_codes(code))]


def parse_row(row: list[str], layout: BanLayout) -> BanAddress:
    """One BAN CSV row as an (unsaved) BanAddress; MalformedRow when it cannot be used."""
    if len(row) != layout.width:
        raise MalformedRow("nombre de colonnes")
    values = layout.values(row)
    ban_id = values["id"]
    nom_voie = values["nom_voie"]
    code_insee = values["code_insee"]
    code_postal = values["code_postal"]
    numero = values["numero"]
    rep = values["rep"]
    nom_commune = values["nom_commune"]
    if (
        not ban_id
        or len(ban_id) > 60
        or not nom_voie
        or len(nom_voie) > 200
        or not nom_commune
        or len(nom_commune) > _NAME_MAX
    ):
        raise MalformedRow("identifiant, voie ou commune")
    if not INSEE.match(code_insee) or not POSTCODE.match(code_postal):
        raise MalformedRow("code INSEE ou code postal")
    if len(numero) > 10 or len(rep) > 10:
        raise MalformedRow("numéro")
    longitude, latitude = _coordinates(values["lon"], values["lat"])
    former_code, former_name = _former_commune(values)
    return BanAddress(
        ban_id=ban_id,
        id_ban_adresse=_uuid_or_none(values.get("id_ban_adresse", "")),
        numero=numero,
        rep=rep,
        nom_voie=nom_voie,
        code_postal=code_postal,
        code_insee=code_insee,
        nom_commune=nom_commune,
        code_insee_ancienne_commune=former_code,
        nom_ancienne_commune=former_name,
        longitude=longitude,
        latitude=latitude,
        search_text=search_text(nom_voie, nom_commune, former_name),
    )


def search_text(nom_voie: str, nom_commune: str, former_commune: str = "") -> str:
    """What the offline geocoder searches: the street and the commune, and the former commune of a
    commune nouvelle (residents still write "Saint-Aubin" years after it became part of "Val-Neuf")."""
    text = fold(f"{nom_voie} {nom_commune}")
    former = fold(former_commune)
    if former and former != fold(nom_commune):
        text = f"{text} {former}"
    return text[:_SEARCH_TEXT_MAX]


def _coordinates(lon: str, lat: str) -> tuple[float, float]:
    try:
        longitude, latitude = float(lon), float(lat)
    except ValueError as exc:
        raise MalformedRow("coordonnées") from exc
    if not (
        math.isfinite(longitude) and math.isfinite(latitude) and -180 <= longitude <= 180 and -90 <= latitude <= 90
    ):
        raise MalformedRow("coordonnées")
    return longitude, latitude


def _former_commune(values: dict[str, str]) -> tuple[str, str]:
    """(code, name) of the former commune, each left empty when unusable: the address itself is
    still good, and these columns only help to find it."""
    code = values.get("code_insee_ancienne_commune", "")
    name = values.get("nom_ancienne_commune", "")
    return (code if code and INSEE.match(code) else ""), (name if len(name) <= _NAME_MAX else "")


def _uuid_or_none(text: str) -> uuid.UUID | None:
    # Like the former commune: an odd identifier is dropped, the address kept.
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def open_ban_file(path: Path) -> io.TextIOBase:
    # utf-8-sig: files re-saved by a spreadsheet start with a byte-order mark.
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")
