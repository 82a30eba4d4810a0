"""Demo contribution of the territory app: the invented town, its quartiers and street addresses.

"Val-Solidaire" and its INSEE code 99123 are invented (codes starting with 99 are never given
to a French commune), the streets are combinations of common words and the coordinates an
arbitrary point. The addresses are written as a real BAN file and loaded through `import_ban`.
"""

import csv
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from villesolidaire.accounts.demo import DEMO_DOMAIN
from villesolidaire.core.text import fold
from villesolidaire.territory.ban import BAN_COLUMNS
from villesolidaire.territory.geocoding import remembered_quartiers
from villesolidaire.territory.geometry import km_per_degree_lon, point_in_polygons, polygons_of
from villesolidaire.territory.models import Quartier, Town

TOWN_NAME = "Val-Solidaire"
INSEE_CODE = "99123"  # Invented: no French commune has a code starting with 99.
POSTCODE = "99230"
# An arbitrary point used as the centre of the invented town.
CENTRE_LATITUDE = 47.2150
CENTRE_LONGITUDE = 0.6420

QUARTIERS = [
    ("Les Vergers", "les-vergers"),
    ("Le Moulin", "le-moulin"),
    ("Les Coteaux", "les-coteaux"),
    ("La Gare", "la-gare"),
    ("Centre-Bourg", "centre-bourg"),
    ("Les Prés-Fleuris", "les-pres-fleuris"),
    ("Le Lavoir", "le-lavoir"),
    ("La Croix-Verte", "la-croix-verte"),
]
QUARTIER_COLUMNS, QUARTIER_ROWS = 4, 2
QUARTIER_SIZE_KM = 1.6

STREET_TYPES = ["Rue", "Rue", "Rue", "Avenue", "Allée", "Impasse", "Chemin", "Place", "Boulevard", "Square"]
STREET_NAMES = [
    "des Lilas",
    "du Lavoir",
    "des Tilleuls",
    "de la Fontaine",
    "des Acacias",
    "du Puits",
    "des Hirondelles",
    "de la Forge",
    "des Glycines",
    "du Verger",
    "des Mésanges",
    "de la Source",
    "des Peupliers",
    "du Four",
    "des Jardins",
    "de l'Étang",
    "des Marronniers",
    "du Pressoir",
    "des Coquelicots",
    "de la Prairie",
    "des Saules",
    "du Grand Pré",
    "des Cerisiers",
    "de la Tuilerie",
    "des Bleuets",
    "du Clos",
    "des Noisetiers",
    "de la Roseraie",
    "des Écoles",
    "du Marché",
    "des Platanes",
    "de la Passerelle",
    "des Violettes",
    "du Colombier",
    "des Charmes",
    "de la Garenne",
    "des Pommiers",
    "du Petit Bois",
    "des Alouettes",
    "de la Halle",
    "des Ormes",
    "du Ruisseau",
    "des Genêts",
    "de la Charmille",
    "des Primevères",
    "du Vieux Chêne",
    "des Bruyères",
    "de la Poterie",
    "des Camélias",
    "du Belvédère",
    "des Fauvettes",
    "de la Vigne",
    "des Myosotis",
    "du Bief",
    "des Sorbiers",
    "de la Sablière",
    "des Capucines",
    "du Pigeonnier",
    "des Roitelets",
    "de la Grange",
]


@dataclass
class Address:
    ban_id: str
    numero: str
    rep: str
    street: str
    latitude: float
    longitude: float
    quartier_code: str

    @property
    def housenumber(self) -> str:
        return f"{self.numero} {self.rep}".strip()

    @property
    def line(self) -> str:
        return f"{self.housenumber} {self.street}"

    def located_fields(self, quartiers: dict[str, Quartier]) -> dict:
        """The fields of a `Located` record placed at this address of the demo town."""
        return {
            "address": self.line,
            "postcode": POSTCODE,
            "city": TOWN_NAME,
            "ban_id": self.ban_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "is_located": True,
            "quartier": quartiers.get(self.quartier_code),
        }


# --------------------------------------------------------------------------- geography


def lambert93(longitude: float, latitude: float) -> tuple[float, float]:
    """WGS84 → Lambert-93 (EPSG:2154), the x/y columns of the BAN file (IGN formulae)."""
    a, flattening = 6378137.0, 1 / 298.257222101
    e = math.sqrt(2 * flattening - flattening**2)
    phi0, phi1, phi2, lon0 = (math.radians(v) for v in (46.5, 44.0, 49.0, 3.0))

    def m(phi):
        return math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)

    def t(phi):
        return math.tan(math.pi / 4 - phi / 2) / ((1 - e * math.sin(phi)) / (1 + e * math.sin(phi))) ** (e / 2)

    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    big_f = m(phi1) / (n * t(phi1) ** n)
    rho0 = a * big_f * t(phi0) ** n
    rho = a * big_f * t(math.radians(latitude)) ** n
    theta = n * (math.radians(longitude) - lon0)
    return 700000 + rho * math.sin(theta), 6600000 + rho0 - rho * math.cos(theta)


def _degrees(dx_km: float, dy_km: float) -> tuple[float, float]:
    """Offsets in km from the centre → (latitude, longitude)."""
    return CENTRE_LATITUDE + dy_km / 110.574, CENTRE_LONGITUDE + dx_km / km_per_degree_lon(CENTRE_LATITUDE)


def quartier_grid() -> list[dict]:
    """Eight rectangular quartiers on a 4 × 2 grid around the centre, as GeoJSON polygons."""
    quartiers = []
    width, height = QUARTIER_COLUMNS * QUARTIER_SIZE_KM, QUARTIER_ROWS * QUARTIER_SIZE_KM
    for index, (name, code) in enumerate(QUARTIERS):
        column, row = index % QUARTIER_COLUMNS, index // QUARTIER_COLUMNS
        x0, y0 = -width / 2 + column * QUARTIER_SIZE_KM, height / 2 - (row + 1) * QUARTIER_SIZE_KM
        x1, y1 = x0 + QUARTIER_SIZE_KM, y0 + QUARTIER_SIZE_KM
        corners = [_degrees(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in corners]
        centre_lat, centre_lon = _degrees((x0 + x1) / 2, (y0 + y1) / 2)
        quartiers.append(
            {
                "name": name,
                "code": code,
                "centre": (round(centre_lat, 6), round(centre_lon, 6)),
                "geojson": '{"type": "Polygon", "coordinates": [' + str(ring).replace("'", '"') + "]}",
            }
        )
    return quartiers


def street_addresses(rng: random.Random, quartiers: list[dict]) -> list[Address]:
    """About 60 invented streets, each a straight segment with numbers on both sides."""
    shapes = [(q["code"], polygons_of(q["geojson"])) for q in quartiers]
    width, height = QUARTIER_COLUMNS * QUARTIER_SIZE_KM, QUARTIER_ROWS * QUARTIER_SIZE_KM
    addresses: list[Address] = []
    for index, name in enumerate(STREET_NAMES):
        street = f"{STREET_TYPES[index % len(STREET_TYPES)]} {name}"
        code = f"{index * 37 + 1000:04x}"
        start_x = rng.uniform(-width / 2 + 0.2, width / 2 - 0.2)
        start_y = rng.uniform(-height / 2 + 0.2, height / 2 - 0.2)
        angle = rng.uniform(0, math.pi)
        length = rng.uniform(0.3, 0.9)
        count = rng.randint(8, 34)
        for number in range(1, count + 1):
            along = length * (number - 1) / max(count - 1, 1)
            side = 0.012 if number % 2 else -0.012  # odd numbers on one side, even on the other
            x = max(
                -width / 2 + 0.01, min(width / 2 - 0.01, start_x + along * math.cos(angle) - side * math.sin(angle))
            )
            y = max(
                -height / 2 + 0.01, min(height / 2 - 0.01, start_y + along * math.sin(angle) + side * math.cos(angle))
            )
            latitude, longitude = _degrees(x, y)
            reps = [""] + (["bis"] if rng.random() < 0.06 else [])
            for rep in reps:
                quartier_code = next(
                    (c for c, polygons in shapes if point_in_polygons(longitude, latitude, polygons)), ""
                )
                ban_id = f"{INSEE_CODE}_{code}_{number:05d}" + (f"_{rep}" if rep else "")
                addresses.append(
                    Address(ban_id, str(number), rep, street, round(latitude, 6), round(longitude, 6), quartier_code)
                )
    return addresses


def write_ban_file(addresses: list[Address], path: Path) -> Path:
    """The addresses in the real BAN download format: UTF-8, `;`, 23 columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(BAN_COLUMNS)
        for address in addresses:
            x, y = lambert93(address.longitude, address.latitude)
            writer.writerow(
                [
                    address.ban_id,
                    "",
                    address.numero,
                    address.rep,
                    address.street,
                    POSTCODE,
                    INSEE_CODE,
                    TOWN_NAME,
                    "",
                    "",
                    f"{x:.2f}",
                    f"{y:.2f}",
                    f"{address.longitude:.6f}",
                    f"{address.latitude:.6f}",
                    "entrée",
                    "",
                    "",
                    TOWN_NAME.upper(),
                    fold(address.street).upper(),
                    "commune",
                    "commune",
                    "1",
                    "",
                ]
            )
    return path


def import_addresses(path: Path) -> None:
    """Through `manage.py import_ban`, so the demo exercises the real import."""
    call_command("import_ban", str(path), commune=INSEE_CODE, verbosity=0, stdout=io.StringIO())


def seed_territory_demo(rng: random.Random, *, var_dir: Path) -> tuple[dict[str, Quartier], list[Address], Path]:
    """The town, its quartiers (by code) and its addresses, also written to a BAN file under var_dir."""
    Town.objects.create(
        name=TOWN_NAME,
        insee_code=INSEE_CODE,
        service_name="CCAS",
        programme_name="Volontaires Solidaires",
        hotline_phone="01 99 00 12 34",
        contact_email=f"ccas@{DEMO_DOMAIN}",
        dpo_contact=f"Délégué·e à la protection des données, dpo@{DEMO_DOMAIN}",
        centre_latitude=CENTRE_LATITUDE,
        centre_longitude=CENTRE_LONGITUDE,
    )
    grid = quartier_grid()
    quartiers = {
        q.code: q
        for q in Quartier.objects.bulk_create(
            [
                Quartier(
                    name=g["name"],
                    code=g["code"],
                    boundary_geojson=g["geojson"],
                    centre_latitude=g["centre"][0],
                    centre_longitude=g["centre"][1],
                )
                for g in grid
            ]
        )
    }
    remembered_quartiers.forget()  # bulk_create sends no post_save
    addresses = street_addresses(rng, grid)
    ban_file = write_ban_file(addresses, var_dir / "demo" / f"adresses-{INSEE_CODE}.csv")
    import_addresses(ban_file)
    return quartiers, addresses, ban_file
