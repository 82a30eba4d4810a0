"""Geocoding with the API of the national geocoder (API Adresse / Géoplateforme).

Two backends answer `search(q, limit)` with the same GeoCodeJSON FeatureCollection:
- `OfflineBanGeocoder` searches the BAN rows imported by `manage.py import_ban` (default,
  no network needed);
- `GeoplateformeGeocoder` calls https://data.geopf.fr/geocodage/search (optional).

`locate(record)` fills the address fields of a `Located` record. An address that is not
found is kept as typed and flagged as not located.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import requests
from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from villesolidaire.core.text import fold, tokens
from villesolidaire.territory.geometry import point_in_polygons, polygons_of
from villesolidaire.territory.models import BanAddress, Located, Quartier

MIN_SCORE = 0.5
_HOUSENUMBER = re.compile(r"^\s*(\d{1,5})\s*(bis|ter|quater|[a-z])?\b[\s,]*", re.IGNORECASE)
_POSTCODE = re.compile(r"\b(\d{5})\b")
_STOPWORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a"}
_ABBREVIATIONS = {"av": "avenue", "bd": "boulevard", "bld": "boulevard", "pl": "place", "r": "rue", "ch": "chemin", "imp": "impasse", "st": "saint", "ste": "sainte", "all": "allee", "rte": "route", "sq": "square", "fg": "faubourg"}


@dataclass(frozen=True)
class GeocodeResult:
    label: str
    housenumber: str
    street: str
    postcode: str
    city: str
    citycode: str
    ban_id: str
    latitude: float
    longitude: float
    score: float

    def as_feature(self) -> dict:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [self.longitude, self.latitude]},
            "properties": {
                "label": self.label,
                "score": round(self.score, 4),
                "housenumber": self.housenumber or None,
                "id": self.ban_id,
                "name": f"{self.housenumber} {self.street}".strip(),
                "postcode": self.postcode,
                "citycode": self.citycode,
                "city": self.city,
                "street": self.street,
                "type": "housenumber" if self.housenumber else "street",
            },
        }


def feature_collection(query: str, results: list[GeocodeResult], limit: int) -> dict:
    return {
        "type": "FeatureCollection",
        "version": "draft",
        "attribution": "BAN",
        "licence": "ETALAB-2.0",
        "query": query,
        "limit": limit,
        "features": [result.as_feature() for result in results],
    }


def _query_parts(query: str) -> tuple[str, str, list[str], str]:
    text = query.strip()
    postcode_match = _POSTCODE.search(text)
    postcode = postcode_match.group(1) if postcode_match else ""
    if postcode:
        text = text.replace(postcode, " ")
    number, rep = "", ""
    number_match = _HOUSENUMBER.match(text)
    if number_match:
        number = number_match.group(1)
        rep = (number_match.group(2) or "").lower()
        text = text[number_match.end():]
    words = [_ABBREVIATIONS.get(word, word) for word in tokens(text)]
    words = [word for word in words if word not in _STOPWORDS]
    return number, rep, words, postcode


class OfflineBanGeocoder:
    """Searches the imported BAN rows: every word must appear in street + commune."""

    def search(self, query: str, limit: int = 5, citycode: str = "") -> list[GeocodeResult]:
        number, rep, words, postcode = _query_parts(query)
        if not words:
            return []
        rows = BanAddress.objects.all()
        for word in words[:6]:
            rows = rows.filter(search_text__contains=word)
        if postcode:
            rows = rows.filter(code_postal=postcode)
        if citycode:
            rows = rows.filter(code_insee=citycode)
        if number:
            exact = rows.filter(numero=number)
            exact = exact.filter(Q(rep__iexact=rep) | Q(rep="")) if rep else exact.filter(rep="")
            candidates = list(exact.order_by("rep", "search_text")[: limit * 4]) or list(
                rows.order_by("search_text", "numero")[: limit * 4]
            )
        else:
            candidates = list(rows.order_by("search_text", "numero")[: limit * 4])
        scored = [self._result(row, words, number, rep) for row in candidates]
        scored.sort(key=lambda result: -result.score)
        return _distinct_labels(scored)[:limit]

    @staticmethod
    def _result(row: BanAddress, words: list[str], number: str, rep: str) -> GeocodeResult:
        street_words = set(fold(row.nom_voie).split())
        coverage = sum(1 for word in words if word in street_words or word in row.search_text) / len(words)
        extra_words = max(0, len(street_words - set(words)))
        score = 0.55 * coverage + 0.25 / (1 + extra_words)
        if number and row.numero == number and (row.rep.lower() == rep):
            score += 0.2
        return GeocodeResult(
            label=row.label, housenumber=row.housenumber, street=row.nom_voie, postcode=row.code_postal,
            city=row.nom_commune, citycode=row.code_insee, ban_id=row.ban_id,
            latitude=row.latitude, longitude=row.longitude, score=min(score, 1.0),
        )


def _distinct_labels(results: list[GeocodeResult]) -> list[GeocodeResult]:
    seen, unique = set(), []
    for result in results:
        if result.label not in seen:
            seen.add(result.label)
            unique.append(result)
    return unique


class GeoplateformeGeocoder:
    """The national geocoder (data.geopf.fr/geocodage, same API as the former API Adresse)."""

    def __init__(self, base_url: str | None = None, timeout: float | None = None):
        self.base_url = (base_url or settings.GEOCODER_URL).rstrip("/")
        self.timeout = timeout or settings.GEOCODER_TIMEOUT

    def search(self, query: str, limit: int = 5, citycode: str = "") -> list[GeocodeResult]:
        params = {"q": query[:200], "limit": limit, "autocomplete": 1}
        if citycode:
            params["citycode"] = citycode
        try:
            response = requests.get(f"{self.base_url}/search", params=params, timeout=self.timeout)
            response.raise_for_status()
            features = response.json().get("features", [])
        except (requests.RequestException, ValueError):
            # The online service is optional: when it is down, addresses are kept as typed.
            return []
        return [_result_from_feature(feature) for feature in features if feature.get("geometry")]


def _result_from_feature(feature: dict) -> GeocodeResult:
    props = feature.get("properties", {})
    lon, lat = feature["geometry"]["coordinates"][:2]
    return GeocodeResult(
        label=props.get("label", ""), housenumber=props.get("housenumber") or "", street=props.get("street") or props.get("name", ""),
        postcode=props.get("postcode", ""), city=props.get("city", ""), citycode=props.get("citycode", ""),
        ban_id=props.get("id", ""), latitude=float(lat), longitude=float(lon), score=float(props.get("score", 0)),
    )


BACKENDS = {"offline": OfflineBanGeocoder, "geoplateforme": GeoplateformeGeocoder}


def get_geocoder():
    backend = settings.GEOCODER_BACKEND
    return BACKENDS[backend]() if backend in BACKENDS else import_string(backend)()


def geocode(address: str, postcode: str = "", city: str = "") -> GeocodeResult | None:
    query = " ".join(part for part in (address, postcode, city) if part)
    results = get_geocoder().search(query, limit=1)
    if results and results[0].score >= MIN_SCORE:
        return results[0]
    return None


@lru_cache(maxsize=1)
def _quartier_shapes(cache_key: tuple) -> list[tuple[int, list]]:
    return [(pk, polygons_of(geojson)) for pk, geojson in cache_key]


def quartier_for(latitude: float, longitude: float) -> Quartier | None:
    """The quartier whose boundary holds the point; else the one with the nearest centre."""
    rows = tuple(Quartier.objects.order_by("pk").values_list("pk", "boundary_geojson"))
    for pk, polygons in _quartier_shapes(rows):
        if polygons and point_in_polygons(longitude, latitude, polygons):
            return Quartier.objects.get(pk=pk)
    centred = Quartier.objects.exclude(centre_latitude=None).exclude(centre_longitude=None)
    best = min(
        centred,
        key=lambda q: (q.centre_latitude - latitude) ** 2 + (q.centre_longitude - longitude) ** 2,
        default=None,
    )
    return best


def locate(record: Located) -> bool:
    """Geocode `record.address` in place (not saved). Returns whether it was located."""
    result = geocode(record.address, record.postcode, record.city) if record.address else None
    if result is None:
        record.is_located = False
        record.ban_id = ""
        record.latitude = record.longitude = None
        record.quartier = None
        return False
    record.is_located = True
    record.ban_id = result.ban_id
    record.latitude, record.longitude = result.latitude, result.longitude
    record.postcode = record.postcode or result.postcode
    record.city = record.city or result.city
    record.quartier = quartier_for(result.latitude, result.longitude)
    return True
