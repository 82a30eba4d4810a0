"""Small BAN-format files for tests: the 23 real columns, a fictitious town (INSEE 99001)."""

import gzip
from pathlib import Path

from villesolidaire.territory.management.commands.import_ban import BAN_COLUMNS

HEADER = ";".join(BAN_COLUMNS)

# (id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat)
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


def ban_line(ban_id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat) -> str:
    values = {name: "" for name in BAN_COLUMNS}
    values.update(
        id=ban_id,
        id_fantoir=f"{code_insee}_{ban_id.split('_')[1]}",
        numero=numero,
        rep=rep,
        nom_voie=nom_voie,
        code_postal=code_postal,
        code_insee=code_insee,
        nom_commune=nom_commune,
        x="351000.10",
        y="6789000.20",
        lon=str(lon),
        lat=str(lat),
        type_position="entrée",
        libelle_acheminement=nom_commune.upper(),
        nom_afnor=nom_voie.upper(),
        source_position="commune",
        source_nom_voie="commune",
        certification_commune="1",
        cad_parcelles="99001000AB0012|99001000AB0013",
    )
    return ";".join(values[name] for name in BAN_COLUMNS)


def write_ban(path: Path, rows=ADDRESSES, extra_lines=(), header=HEADER, compress=False, bom=False) -> Path:
    text = ("\ufeff" if bom else "") + "\n".join([header, *(ban_line(*row) for row in rows), *extra_lines]) + "\n"
    if compress:
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path
