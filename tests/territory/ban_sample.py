"""Small BAN-format files for tests: the 23 real columns (or the layouts of the file "with ids"),
a fictitious town (INSEE 99001)."""

import gzip
import uuid
from pathlib import Path

from villesolidaire.territory.ban import BAN_COLUMNS

HEADER = ";".join(BAN_COLUMNS)
# adresses-with-ids-XX.csv, as published: the BAN's identifiers at the end, or right after `id`
# (with the older name of the commune's identifier).
WITH_IDS_AT_END = [*BAN_COLUMNS, "id_ban_adresse", "id_ban_toponyme", "id_ban_commune"]
WITH_IDS_AFTER_ID = ["id", "id_ban_adresse", "id_ban_toponyme", "id_ban_district", *BAN_COLUMNS[1:]]

# (id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat), optionally followed by
# (code_insee_ancienne_commune, nom_ancienne_commune)
ADDRESSES = [
    ("99001_0010_00012", "12", "", "Rue de la Paix", "99100", "99001", "Bourg-Solidaire", -1.6800, 48.1100),
    ("99001_0010_00014", "14", "", "Rue de la Paix", "99100", "99001", "Bourg-Solidaire", -1.6802, 48.1101),
    ("99001_0010_00008", "8", "", "Rue de la Paix", "99100", "99001", "Bourg-Solidaire", -1.6796, 48.1098),
    ("99001_0010_00008_bis", "8", "bis", "Rue de la Paix", "99100", "99001", "Bourg-Solidaire", -1.6797, 48.1099),
    ("99001_0011_00003", "3", "", "Rue de la Paix Prolongée", "99100", "99001", "Bourg-Solidaire", -1.6900, 48.1200),
    ("99001_0020_00001", "1", "", "Boulevard Victor Hugo", "99100", "99001", "Bourg-Solidaire", -1.6700, 48.1000),
    ("99001_0020_00005", "5", "", "Boulevard Victor Hugo", "99100", "99001", "Bourg-Solidaire", -1.6705, 48.1005),
    ("99001_0030_00007", "7", "", "Avenue du Général Leclerc", "99100", "99001", "Bourg-Solidaire", -1.6600, 48.1050),
    ("99001_0040_00002", "2", "", "Rue Saint-Exupéry", "99100", "99001", "Bourg-Solidaire", -1.6650, 48.1150),
    ("99001_0050_00010", "10", "", "Place de l'Église", "99100", "99001", "Bourg-Solidaire", -1.6750, 48.1120),
    ("99002_0010_00012", "12", "", "Rue de la Paix", "99200", "99002", "Val-Voisin", -1.5000, 48.2000),
]


def ban_uuid(key: str) -> str:
    """A stable identifier, as the BAN gives its addresses, streets and communes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://adresse.data.gouv.fr/{key}"))


def ban_values(
    ban_id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat, former_code="", former_name=""
) -> dict[str, str]:
    street = f"{code_insee}_{ban_id.split('_')[1]}"
    return {
        "id": ban_id,
        "id_fantoir": street,
        "numero": numero,
        "rep": rep,
        "nom_voie": nom_voie,
        "code_postal": code_postal,
        "code_insee": code_insee,
        "nom_commune": nom_commune,
        "code_insee_ancienne_commune": former_code,
        "nom_ancienne_commune": former_name,
        "x": "351000.10",
        "y": "6789000.20",
        "lon": str(lon),
        "lat": str(lat),
        "type_position": "entrée",
        "libelle_acheminement": nom_commune.upper(),
        "nom_afnor": nom_voie.upper(),
        "source_position": "commune",
        "source_nom_voie": "commune",
        "certification_commune": "1",
        "cad_parcelles": "99001000AB0012|99001000AB0013",
        "id_ban_adresse": ban_uuid(ban_id),
        "id_ban_toponyme": ban_uuid(street),
        "id_ban_commune": ban_uuid(code_insee),
        "id_ban_district": ban_uuid(code_insee),
    }


def ban_line(*address, columns=BAN_COLUMNS) -> str:
    values = ban_values(*address)
    return ";".join(values.get(name, "") for name in columns)


def write_ban(
    path: Path, rows=ADDRESSES, extra_lines=(), header=None, compress=False, bom=False, columns=BAN_COLUMNS
) -> Path:
    header = ";".join(columns) if header is None else header
    lines = [header, *(ban_line(*row, columns=columns) for row in rows), *extra_lines]
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    if compress:
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path
