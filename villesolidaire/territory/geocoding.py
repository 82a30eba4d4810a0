"""Geocoding with the API of the national geocoder (API Adresse / Géoplateforme).

Two backends answer `search(q, limit)` with the same GeoCodeJSON FeatureCollection:
- `OfflineBanGeocoder` searches the BAN rows imported by `manage.py import_ban` (default,
  no network needed);
- `GeoplateformeGeocoder` calls https://data.geopf.fr/geocodage/search (optional).

`locate(record)` fills the address fields of a `Located` record. An address that is not
found is kept as typed and flagged as not located.
"""

import logging
import re
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Avg, Min, Q
from django.utils.module_loading import import_string

from villesolidaire.core.caches import ReferenceData
from villesolidaire.core.text import fold, tokens
from villesolidaire.territory.ban import ADDRESS_FIELDS, commune_codes
from villesolidaire.territory.geometry import distance_km, point_in_polygons, polygons_of
from villesolidaire.territory.models import BanAddress, Commune, Located, Quartier, Town, address_label

MIN_SCORE = 0.5
_STREET_TYPES = frozenset(
    {
        "rue",
        "avenue",
        "boulevard",
        "place",
        "chemin",
        "impasse",
        "allee",
        "route",
        "square",
        "faubourg",
        "cours",
        "quai",
        "residence",
        "lotissement",
        "passage",
        "promenade",
        "sentier",
        "voie",
        "ruelle",
    }
)
MIN_PREFIX = 4  # letters of an unfinished word that still identify it ("lila" → "lilas")
MAX_WORDS = 6
# Beyond this distance from every quartier centre, an address outside all contours is in no
# quartier (it is in another town): it would otherwise skew the figures of the nearest one.
QUARTIER_FALLBACK_MAX_KM = 10.0
_HOUSENUMBER = re.compile(r"^\s*(\d{1,5})\s*(bis|ter|quater|quinquies|[a-z])?\b[\s,]*", re.IGNORECASE | re.ASCII)
_POSTCODE = re.compile(r"\b(\d{5})\b", re.ASCII)
_STOPWORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en"}
_ABBREVIATIONS = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "bvd": "boulevard",
    "pl": "place",
    "r": "rue",
    "ch": "chemin",
    "chem": "chemin",
    "imp": "impasse",
    "st": "saint",
    "ste": "sainte",
    "all": "allee",
    "rte": "route",
    "sq": "square",
    "fg": "faubourg",
    "fbg": "faubourg",
    "crs": "cours",
    "qu": "quai",
    "res": "residence",
    "lot": "lotissement",
    "pte": "porte",
    "pass": "passage",
    "prom": "promenade",
    "mal": "marechal",
    "gal": "general",
    "gen": "general",
    "pdt": "president",
    "dr": "docteur",
    "n": "",
    "no": "",
    "bis": "",
    "ter": "",
}
_REP_ALIASES = {"b": "bis", "t": "ter", "q": "quater"}
logger = logging.getLogger(__name__)


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
    # The former commune of a commune nouvelle the address lies in, when the BAN names it.
    former_city: str = ""
    former_citycode: str = ""

    def as_feature(self) -> dict:
        feature = {
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
        if self.former_city:  # the national geocoder's names for it
            feature["properties"].update(oldcity=self.former_city, oldcitycode=self.former_citycode or None)
        return feature


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


# One word of a query and what it may stand for: its expansion first ("av" → "avenue"), then, for
# the word being typed (the last), the letters as typed, a prefix ("gal" of "galerie", not only
# the abbreviation of "général"; "res" of "résistance" as well as "résidence").
Word = tuple[str, ...]


def _query_parts(query: str) -> tuple[str, str, list[Word], str]:
    """Split a free-text address into house number, repetition (bis/ter…), folded street and
    city words (abbreviations expanded, little words dropped; the last one also kept as typed)
    and postcode."""
    text = (query or "")[:200].strip()
    postcode_match = _POSTCODE.search(text)
    postcode = postcode_match.group(1) if postcode_match else ""
    if postcode:
        text = text.replace(postcode, " ", 1)
    number, rep = "", ""
    number_match = _HOUSENUMBER.match(text)
    if number_match:
        number = number_match.group(1).lstrip("0") or "0"
        rep = (number_match.group(2) or "").lower()
        text = text[number_match.end() :]
    typed = [word for word in tokens(text) if word not in _STOPWORDS]
    words = [(_ABBREVIATIONS.get(word, word),) for word in typed]
    if words and words[-1][0] and words[-1][0] != typed[-1]:
        words[-1] = (words[-1][0], typed[-1])
    words = [word for word in words if word[0]]
    return number, rep, words[:MAX_WORDS], postcode


def _expanded(words: list[Word]) -> list[str]:
    """Each word as a whole word (its expansion): what a saved address must name (geocode)."""
    return [word[0] for word in words]


def _same_rep(row_rep: str, rep: str) -> bool:
    row_rep = row_rep.lower()
    return row_rep == rep or _REP_ALIASES.get(row_rep, row_rep) == _REP_ALIASES.get(rep, rep)


def _word_score(word: Word, haystack: set[str]) -> float:
    """The best of the word's readings (expanded, or as typed while it is typed)."""
    return max(_reading_score(reading, haystack) for reading in word)


def _reading_score(word: str, haystack: set[str]) -> float:
    if word in haystack:
        return 1.0
    if any(candidate.startswith(word) for candidate in haystack):
        return 0.85  # typing in progress: "pai" for "paix"
    return 0.6  # inside a word


class OfflineBanGeocoder:
    """Searches the imported BAN rows: every word must appear in street + commune.

    With a house number it answers house numbers (type "housenumber"); without one, or when
    the number does not exist in the street, it answers streets (type "street", position at
    the middle of the street's known numbers), like the national geocoder.
    """

    FIELDS = ADDRESS_FIELDS

    def search(self, query: str, limit: int = 5, citycode: str = "") -> list[GeocodeResult]:
        number, rep, words, postcode = _query_parts(query)
        if not words:
            return []
        rows = BanAddress.objects.all()
        for word in words:
            either = Q()
            for reading in word:
                either |= Q(search_text__contains=reading)
            rows = rows.filter(either)
        if postcode:
            rows = rows.filter(code_postal=postcode)
        if citycode:
            # Paris, Lyon, Marseille: the town's code stands for its arrondissements' (BAN rows).
            rows = rows.filter(code_insee__in=commune_codes(citycode))
        results: list[GeocodeResult] = []
        if number:
            exact = rows.filter(numero=number).only(*self.FIELDS).order_by("search_text", "rep", "ban_id")
            candidates = [
                row for row in exact[: max(limit * 4, 40)] if not rep or not row.rep or _same_rep(row.rep, rep)
            ]
            results = [self._housenumber_result(row, words, rep) for row in candidates]
        if not results:
            results = self._street_results(rows, words, limit)
        results.sort(key=lambda result: (-result.score, result.label))
        return _distinct_labels(results)[:limit]

    @staticmethod
    def _text_score(nom_voie: str, search_text: str, words: list[Word]) -> float:
        street_words = set(fold(nom_voie).split())
        haystack = set(search_text.split())
        coverage = sum(_word_score(word, haystack) for word in words) / len(words)
        # Words of the street the query did not mention: "rue de la paix" should rank
        # "Rue de la Paix" above "Rue de la Paix Prolongée".
        readings = [reading for word in words for reading in word]
        unmatched = [w for w in street_words - _STOPWORDS if not any(w.startswith(r) for r in readings)]
        return 0.55 * coverage + 0.25 / (1 + len(unmatched))

    def _housenumber_result(self, row: BanAddress, words: list[Word], rep: str) -> GeocodeResult:
        score = self._text_score(row.nom_voie, row.search_text, words) + 0.1
        if _same_rep(row.rep, rep):
            score += 0.1  # exact "8 bis" over "8"
        return GeocodeResult(
            label=row.label,
            housenumber=row.housenumber,
            street=row.nom_voie,
            postcode=row.code_postal,
            city=row.nom_commune,
            citycode=row.code_insee,
            ban_id=row.ban_id,
            latitude=row.latitude,
            longitude=row.longitude,
            score=min(score, 1.0),
            former_city=row.nom_ancienne_commune,
            former_citycode=row.code_insee_ancienne_commune,
        )

    def _street_results(self, rows, words: list[Word], limit: int) -> list[GeocodeResult]:
        streets = (
            rows.values(
                "nom_voie",
                "code_postal",
                "code_insee",
                "nom_commune",
                "nom_ancienne_commune",
                "code_insee_ancienne_commune",
                "search_text",
            )
            .annotate(latitude=Avg("latitude"), longitude=Avg("longitude"), any_id=Min("ban_id"))
            .order_by("search_text", "code_postal")[: max(limit * 4, 40)]
        )
        results = []
        for street in streets:
            # BAN ids are <insee>_<street>_<number>[_<rep>]: the street's id is the first two parts.
            street_id = "_".join(street["any_id"].split("_")[:2])
            results.append(
                GeocodeResult(
                    label=address_label(
                        street["nom_voie"],
                        street["code_postal"],
                        street["nom_commune"],
                        street["nom_ancienne_commune"],
                    ),
                    housenumber="",
                    street=street["nom_voie"],
                    postcode=street["code_postal"],
                    city=street["nom_commune"],
                    citycode=street["code_insee"],
                    ban_id=street_id,
                    latitude=street["latitude"],
                    longitude=street["longitude"],
                    score=self._text_score(street["nom_voie"], street["search_text"], words),
                    former_city=street["nom_ancienne_commune"],
                    former_citycode=street["code_insee_ancienne_commune"],
                )
            )
        return results


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
        if len((query or "").strip()) < 3:
            return []
        params = {"q": query[:200], "limit": limit, "autocomplete": 1, "index": "address"}
        if citycode:
            params["citycode"] = citycode
        try:
            response = requests.get(f"{self.base_url}/search", params=params, timeout=self.timeout)
            response.raise_for_status()
            features = response.json().get("features") or []
        except (requests.RequestException, ValueError, AttributeError) as exc:
            # The online service is optional: when it is down, addresses are kept as typed.
            logger.warning("Geocoder %s unavailable: %s", self.base_url, exc.__class__.__name__)
            return []
        results = []
        for feature in features if isinstance(features, list) else []:
            try:
                results.append(_result_from_feature(feature))
            except (KeyError, TypeError, ValueError, IndexError, AttributeError):
                continue  # one odd feature must not hide the others
        return results


def _result_from_feature(feature: dict) -> GeocodeResult:
    props = feature.get("properties") or {}
    lon, lat = feature["geometry"]["coordinates"][:2]
    housenumber = str(props.get("housenumber") or "")
    return GeocodeResult(
        label=str(props.get("label") or ""),
        housenumber=housenumber,
        street=str(props.get("street") or props.get("name") or ""),
        postcode=str(props.get("postcode") or ""),
        city=str(props.get("city") or ""),
        citycode=str(props.get("citycode") or ""),
        ban_id=str(props.get("id") or ""),
        latitude=float(lat),
        longitude=float(lon),
        score=float(props.get("score") or 0),
        former_city=str(props.get("oldcity") or ""),
        former_citycode=str(props.get("oldcitycode") or ""),
    )


BACKENDS = {"offline": OfflineBanGeocoder, "geoplateforme": GeoplateformeGeocoder}


def get_geocoder():
    backend = settings.GEOCODER_BACKEND
    return BACKENDS[backend]() if backend in BACKENDS else import_string(backend)()


def geocode(address: str, postcode: str = "", city: str = "") -> GeocodeResult | None:
    """Best match for an address typed in a form, or None (then it is kept as typed).

    When only the street was typed, the town's own commune is tried first (the same street
    name exists in the neighbouring towns). Otherwise the full address, then without the
    city, which is often misspelt.
    """
    geocoder = get_geocoder()
    attempts = []
    if not postcode and not city:
        town = Town.remembered()
        if town:
            attempts.append((address, town.insee_code))
    attempts.append((" ".join(part for part in (address, postcode, city) if part), ""))
    if city:
        attempts.append((" ".join(part for part in (address, postcode) if part), ""))
    for query, citycode in attempts:
        words = _expanded(_query_parts(query)[2])
        for result in geocoder.search(query, limit=5, citycode=citycode):
            if result.score >= MIN_SCORE and _names_every_word(result, words):
                return result
    return None


def _names_every_word(result: GeocodeResult, words: list[str]) -> bool:
    """A form's address is placed only when each word typed is a word of the street or commune
    found (or of its former commune, in a commune nouvelle), or the start of one with at least
    MIN_PREFIX letters. The autocomplete may suggest "Rue des Lilas" for "rue des li", but a form
    saved with "4 Rue des Li" must not be placed silently at some other street whose name merely
    contains "li": it stays as typed."""
    found = set(fold(f"{result.street} {result.city} {result.former_city}").split())
    if not set(words) - _STREET_TYPES:
        return False  # "12 rue d": a street type alone names no street
    return all(word in found or (len(word) >= MIN_PREFIX and any(f.startswith(word) for f in found)) for word in words)


@dataclass(frozen=True)
class _RememberedQuartier:
    """A quartier as quartier_for reads it: its row's values (to give each caller its own
    instance) and its outline parsed once."""

    pk: int
    values: tuple
    polygons: list
    centre_latitude: float | None
    centre_longitude: float | None


_QUARTIER_FIELDS = [field.attname for field in Quartier._meta.concrete_fields]


def _load_quartiers() -> tuple[_RememberedQuartier, ...]:
    remembered = []
    for values in Quartier.objects.order_by("pk").values_list(*_QUARTIER_FIELDS):
        row = dict(zip(_QUARTIER_FIELDS, values, strict=True))
        try:
            polygons = polygons_of(row["boundary_geojson"])
        except (ValueError, KeyError, TypeError):
            polygons = []  # a broken contour (saved outside the admin) must not stop geocoding
        remembered.append(
            _RememberedQuartier(row["id"], values, polygons, row["centre_latitude"], row["centre_longitude"])
        )
    return tuple(remembered)


# The quartiers and their parsed outlines, per town, as this process remembers them (core.caches):
# every sign-up and intake places its address, and outlines change a few times a year.
remembered_quartiers: ReferenceData[tuple[_RememberedQuartier, ...]] = ReferenceData(
    _load_quartiers, changed_by=(Quartier,)
)


def _instance(quartier: _RememberedQuartier) -> Quartier:
    # A fresh instance per caller, as a query gives: the remembered values are shared by every thread.
    return Quartier.from_db(DEFAULT_DB_ALIAS, _QUARTIER_FIELDS, quartier.values)


def quartier_for(latitude: float, longitude: float) -> Quartier | None:
    """The quartier whose boundary holds the point; else the one with the nearest centre
    (within QUARTIER_FALLBACK_MAX_KM)."""
    quartiers = remembered_quartiers.get()
    for quartier in quartiers:
        if quartier.polygons and point_in_polygons(longitude, latitude, quartier.polygons):
            return _instance(quartier)
    distances = [
        (distance_km(latitude, longitude, q.centre_latitude, q.centre_longitude), q.pk, q)
        for q in quartiers
        if q.centre_latitude is not None and q.centre_longitude is not None
    ]
    if not distances:
        return None
    distance, _pk, nearest = min(distances, key=lambda item: item[:2])
    return _instance(nearest) if distance <= QUARTIER_FALLBACK_MAX_KM else None


@dataclass(frozen=True)
class TownArea:
    """Where the town's own places are, to tell an address of ours from another town's: its
    quartiers (with their margin), the postcodes of its communes' BAN addresses, and their names.
    The communes are the town's own or, for an intercommunal service, every commune it serves."""

    names: frozenset[str]
    postcodes: frozenset[str]

    @classmethod
    def current(cls) -> "TownArea":
        town = Town.current()
        communes = {town.insee_code: town.name} if town is not None else {}
        communes.update(Commune.objects.values_list("insee_code", "name"))
        # Paris, Lyon and Marseille: the BAN files write their arrondissements' codes.
        codes = [code for insee in communes for code in commune_codes(insee)]
        postcodes = BanAddress.objects.filter(code_insee__in=codes).values_list("code_postal", flat=True).distinct()
        return cls(names=frozenset(fold(name) for name in communes.values()), postcodes=frozenset(postcodes))

    def holds(self, *, latitude: float | None, longitude: float | None, postcode: str, city: str) -> bool:
        if latitude is not None and longitude is not None and quartier_for(latitude, longitude) is not None:
            return True
        if postcode and postcode in self.postcodes:
            return True
        return bool(city) and fold(city) in self.names


def locate(record: Located) -> bool:
    """Geocode `record.address` in place (not saved). Returns whether it was located.

    Never raises: when the geocoder fails the address is kept as typed, not located.
    """
    try:
        result = geocode(record.address, record.postcode, record.city) if (record.address or "").strip() else None
    except Exception:  # a geocoder outage must never stop a sign-up or an intake
        logger.exception("Geocoding failed")
        result = None
    if result is None:
        record.is_located = False
        record.ban_id = ""
        record.latitude = record.longitude = None
        record.quartier = None
        return False
    record.is_located = True
    record.ban_id = result.ban_id[:60]
    record.latitude, record.longitude = result.latitude, result.longitude
    record.postcode = record.postcode or result.postcode[:5]
    record.city = record.city or result.city[:120]
    record.quartier = quartier_for(result.latitude, result.longitude)
    return True
