"""Import of API Engagement mission feeds, as tolerant as API Engagement's own importer.

The field names are MissionXML's (shared/reference/domain.md §7). What is accepted follows the
reference importer (betagouv/api-engagement, `api/src/jobs/import-missions/`) and its
moderation, so that a feed API Engagement takes is taken here too:
- dates as JavaScript's `new Date` reads them: ISO 8601, RFC 2822 (`Sat, 20 Apr 2024 09:00:00
  +0100`), and `MM/DD/YYYY` month first; no start date means the one already stored, else now;
  no end date means an open-ended mission;
- `places` missing, 0 or not a number means 1 place;
- the organisation's ids are kept: RNA normalised, `organizationSiren` holding a SIREN or a
  SIRET (both kept);
- Service Civique's `lonLat` is "lat,lon"; `lonlat` is "lon,lat" unless it reads as France the
  other way round;
- HTML descriptions are sanitised to a safe subset, their plain text kept beside.

A mission is imported or skipped on its own: a mission with no `clientId`, a title the
moderation refuses, no description, no application link, an unknown domain or `remote` value,
a negative number of places or an unreadable start date is skipped and reported by number and
`clientId`; the others are imported. A mission of an earlier import of the same feed that is no
longer in it is withdrawn (closed); it comes back if the feed lists it again. Missions with no
address in the town's territory (and not done fully remotely) are not imported, only counted: a
national feed holds tens of thousands of missions, a town wants its own.

Parsing goes through defusedxml: DTDs, entities and external references are refused, so a
hostile file cannot expand a billion laughs or read a local file. Only a file that is not a
readable feed is refused whole.
"""

import datetime
import email.utils
import html
import re
import xml.etree.ElementTree as ET  # noqa: S405 - for its ParseError only, never to parse
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from villesolidaire.core.html import html_to_text, looks_like_html, sanitise_html
from villesolidaire.core.text import count_of
from villesolidaire.core.validation import first_errors
from villesolidaire.needs import moderation
from villesolidaire.needs.models import (
    DOMAIN_FOR_API,
    NEED_WORKFLOW,
    ApiDomain,
    Need,
    NeedStatus,
    NeedTransition,
    Remote,
    Shift,
)
from villesolidaire.territory.geocoding import TownArea, quartier_for

MAX_FEED_BYTES = 20 * 1024 * 1024
MAX_SKIPPED_SHOWN = 20
MAX_PLACES = 10_000
MAX_DESCRIPTION = 5000
DEFAULT_SOURCE = Need.UNNAMED_FEED
# The note of the transition that closes a mission the feed no longer lists: only such a mission
# comes back when the feed lists it again; one a coordinator closed stays closed.
WITHDRAWN = "Retirée du flux"
# An open-ended mission stays open a year ahead; each import of its feed moves that date.
OPEN_ENDED = datetime.timedelta(days=365)
NO = {"", "no", "non", "false", "0"}


class FeedError(Exception):
    """The file is not a readable feed; `errors` are French sentences for the user."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


class MissionSkipped(Exception):
    """This mission is not imported: the reason, in French."""


@dataclass
class FeedAddress:
    street: str = ""
    city: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass
class MissionData:
    client_id: str
    title: str
    description: str = ""
    description_html: str = ""
    application_url: str = ""
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    addresses: list[FeedAddress] = field(default_factory=list)
    api_domain: str = ApiDomain.AUTRE
    schedule: str = ""
    places: int = 1
    remote: str = Remote.NO
    open_to_minors: bool = False
    reduced_mobility_accessible: bool = False
    organisation_name: str = ""
    organisation_rna: str = ""
    organisation_siren: str = ""
    organisation_siret: str = ""
    # What was read otherwise than written (an unreadable end date), told in the report.
    notes: list[str] = field(default_factory=list)


@dataclass
class ParsedFeed:
    publisher: str = ""
    missions: list[MissionData] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    # Every clientId the feed lists, skipped ones included: a mission skipped for a fault in
    # this run is still in the feed, and is not withdrawn for it.
    listed: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- values


def _text(element, tag: str) -> str:
    child = element.find(tag) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _first_text(element, *tags: str) -> str:
    for tag in tags:
        value = _text(element, tag)
        if value:
            return value
    return ""


_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YEAR_FIRST_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_FULL_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _iso(value: str) -> datetime.datetime | None:
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        return _aware(datetime.datetime.fromisoformat(text))
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime.datetime | None:
    # RFC 2822 has three-letter months; feeds also write them whole ("10 March 2020"), and
    # JavaScript reads a date with no time ("Tue, 10 Mar 2020") as its midnight.
    text = _FULL_MONTH.sub(lambda m: m.group(1).capitalize(), value)
    for candidate in (text, f"{text} 00:00"):
        try:
            parsed = email.utils.parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError):
            continue
        return _aware(parsed) if parsed else None
    return None


def _slashed(value: str) -> datetime.datetime | None:
    # JavaScript reads "01/11/2025" month first (11 January would be 11/01): so does the reference.
    match = _SLASH_DATE.match(value)
    try:
        if match:
            month, day, year, hour, minute, second = (int(part or 0) for part in match.groups())
            return datetime.datetime(year, month, day, hour, minute, second, tzinfo=timezone.get_current_timezone())
        match = _YEAR_FIRST_SLASH.match(value)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return datetime.datetime(year, month, day, tzinfo=timezone.get_current_timezone())
    except ValueError:
        return None
    return None


# Dates a mission can have: the pages, the database and the open-ended end (a year on) all hold them.
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def parse_feed_date(value: str) -> datetime.datetime | None:
    """A feed's date as the reference importer reads it; None when it cannot be read, or lies
    outside 2000–2099 (no mission does; year 9999 would break the pages that show it)."""
    value = value.strip()
    if not value:
        return None
    moment = _iso(value) or _slashed(value) or _rfc2822(value)
    if moment is None or not EARLIEST <= moment < LATEST:
        return None
    return moment


def _is_date_only(value: str) -> bool:
    """No time of day written (« 2030-06-14 », « 06/14/2030 », « 14 June 2030 »)."""
    return ":" not in value and not re.search(r"\dT\d", value)


def _number(value: str) -> float | None:
    try:
        number = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None  # NaN, infinities


def _coordinates(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def _pair(value: str) -> tuple[float | None, float | None]:
    parts = [part for part in re.split(r"[,; ]+", value.strip()) if part]
    if len(parts) != 2:
        return None, None
    return _number(parts[0]), _number(parts[1])


def _legacy_location(element) -> tuple[float | None, float | None]:
    """`lonLat` (Service Civique: "lat,lon"), `lonlat` ("lon,lat", France told apart), or `location`."""
    lonlat = _text(element, "lonlat")
    if lonlat:
        first, second = _pair(lonlat)
        if first is not None and second is not None:
            little, big = sorted((first, second))
            if 4.3 < little < 8:  # France: longitudes below 8, latitudes above 41
                return _coordinates(big, little)
            if not -90 <= second <= 90:
                return _coordinates(first, second)
            return _coordinates(second, first)
    lat_lon = _text(element, "lonLat")
    if lat_lon:
        return _coordinates(*_pair(lat_lon))
    return _location(element)


def _location(element) -> tuple[float | None, float | None]:
    location = element.find("location") if element is not None else None
    if location is None:
        return None, None
    return _coordinates(_number(_text(location, "lat")), _number(_text(location, "lon")))


def _postcode(value: str) -> str:
    # Spreadsheets drop the leading zero of Ain or Aisne codes: "1000" is 01000.
    digits = value.strip()
    if digits.isdigit() and 1 <= len(digits) <= 5:
        return digits.zfill(5)
    return ""


def _addresses(element) -> list[FeedAddress]:
    container = element.find("addresses")
    if container is not None and container.findall("address"):
        return [
            FeedAddress(
                street=_text(item, "street")[:250],
                city=_text(item, "city")[:120],
                postcode=_postcode(_text(item, "postalCode")),
                **dict(zip(("latitude", "longitude"), _location(item), strict=True)),
            )
            for item in container.findall("address")
        ]
    address = FeedAddress(
        street=_first_text(element, "address", "adresse")[:250],
        city=_text(element, "city")[:120],
        postcode=_postcode(_text(element, "postalCode")),
    )
    address.latitude, address.longitude = _legacy_location(element)
    has_any = address.street or address.city or address.postcode or address.is_located
    return [address] if has_any else []


def _organisation_ids(element) -> tuple[str, str, str]:
    """RNA (W and 9 characters, normalised), SIREN and SIRET: `organizationSiren` holds either."""
    rna = re.sub(r"[^A-Za-z0-9]", "", _first_text(element, "organizationRNA", "organizationRna")).upper()[:20]
    number = re.sub(r"\D", "", _text(element, "organizationSiren"))
    siret = number if len(number) == 14 else ""
    siren = number[:9] if len(number) in (9, 14) else ""
    return rna, siren, siret


# ---------------------------------------------------------------- one mission


# The need form's title rules (API Engagement's moderation), told as an import report tells them.
_TITLE_REASONS = {
    moderation.TITLE_MISSING: "le titre <title> est manquant",
    moderation.TITLE_ENCODING: "le titre a un problème d'encodage (« &# »)",
    moderation.TITLE_ONE_WORD: "le titre est trop court (un seul mot)",
}


def _title(raw: str) -> str:
    problems = moderation.title_problems(moderation.normalise_title(raw))
    if problems:
        raise MissionSkipped(_TITLE_REASONS[problems[0]])
    # Decoded before the whitespace is normalised, so that an encoded new line (« &#10; ») is a space too.
    return moderation.normalise_title(html.unescape(raw))[:150]


_NO_DESCRIPTION = "la description <description> est manquante"


def _description(raw: str) -> tuple[str, str]:
    if not raw:
        raise MissionSkipped(_NO_DESCRIPTION)
    if moderation.has_encoding_problem(raw):
        raise MissionSkipped("la description a un problème d'encodage (« &# »)")
    if looks_like_html(raw):
        safe = sanitise_html(raw)
        text = html_to_text(safe)
        if not text:  # nothing but markup, or only what the sanitiser removes
            raise MissionSkipped("la description <description> n'a pas de texte")
        return text[:MAX_DESCRIPTION], safe
    return html.unescape(raw)[:MAX_DESCRIPTION], ""


def _places(raw: str) -> int:
    number = _number(raw) if raw else None
    if number is not None and number < 0:
        raise MissionSkipped(f"le nombre de places « {raw[:20]} » est négatif")
    return min(int(number), MAX_PLACES) if number and number >= 1 else 1


def _choice(raw: str, allowed, label: str, default: str) -> str:
    if not raw:
        return default
    if raw not in allowed:
        raise MissionSkipped(f"{label} « {raw[:40]} » n'est pas une valeur d'API Engagement")
    return raw


def _dates(element, notes: list[str]) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    raw_start, raw_end = _text(element, "startAt"), _text(element, "endAt")
    start = parse_feed_date(raw_start)
    if raw_start and start is None:
        raise MissionSkipped(f"la date de début <startAt> « {raw_start[:40]} » est illisible ou hors de 2000–2099")
    end = parse_feed_date(raw_end)  # unreadable: no end, as the reference reads it
    if raw_end and end is None:
        notes.append(
            f"la date de fin <endAt> « {raw_end[:40]} » est illisible ou hors de 2000–2099 : sans date de fin"
        )
    if end is not None and _is_date_only(raw_end):
        end = end + datetime.timedelta(days=1, seconds=-1)  # a date-only end is the whole day
    if start is not None and end is not None and end <= start:
        raise MissionSkipped("la date de fin <endAt> est avant la date de début <startAt>")
    return start, end


def read_mission(element) -> MissionData:
    """One <mission>, as the reference importer and its moderation accept it (MissionSkipped if not)."""
    client_id = _text(element, "clientId")[:200]
    if not client_id:
        raise MissionSkipped("l'identifiant <clientId> est manquant")
    title = _title(_text(element, "title"))
    description, description_html = _description(_text(element, "description"))
    application_url = _text(element, "applicationUrl")[:500]
    if not application_url.startswith(("https://", "http://")):
        raise MissionSkipped(
            "le lien de candidature <applicationUrl> est manquant ou ne commence pas par https:// (ou http://)"
        )
    domain = _text(element, "domain")
    domain = "memoire-et-citoyennete" if domain == "mémoire et citoyenneté" else domain
    notes: list[str] = []
    start_at, end_at = _dates(element, notes)
    rna, siren, siret = _organisation_ids(element)
    return MissionData(
        client_id=client_id,
        title=title,
        description=description,
        description_html=description_html,
        application_url=application_url,
        start_at=start_at,
        end_at=end_at,
        addresses=_addresses(element),
        api_domain=_choice(domain, ApiDomain.values, "le domaine", ApiDomain.AUTRE),
        remote=_choice(_text(element, "remote"), Remote.values, "<remote>", Remote.NO),
        places=_places(_text(element, "places")),
        schedule=_text(element, "schedule")[:200],
        open_to_minors=_text(element, "openToMinors").lower() not in NO,
        reduced_mobility_accessible=_text(element, "reducedMobilityAccessible").lower() not in NO,
        organisation_name=html.unescape(_text(element, "organizationName"))[:200],
        organisation_rna=rna,
        organisation_siren=siren,
        organisation_siret=siret,
        notes=notes,
    )


# ---------------------------------------------------------------- the feed


def _root(content: bytes):
    if len(content) > MAX_FEED_BYTES:
        raise FeedError(["Le fichier dépasse 20 Mo."])
    try:
        root = SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise FeedError(
            ["Le fichier contient une déclaration DTD ou des entités XML : refusé par sécurité."]
        ) from None
    except ET.ParseError as exc:
        raise FeedError(
            [f"Le fichier n'est pas un XML valide (ligne {exc.position[0]}, colonne {exc.position[1] + 1})."]
        ) from None
    if root.tag != "source":
        raise FeedError(
            [f"Élément racine <{root.tag[:30]}> inattendu : un flux API Engagement commence par <source>."]
        )
    return root


def parse_feed(content: bytes) -> ParsedFeed:
    """Every mission of the feed read; the skipped ones listed with why. FeedError only when
    the file itself cannot be read as a feed."""
    root = _root(content)
    elements = root.findall("mission")
    if not elements:
        raise FeedError(["Le flux ne contient aucune mission <mission>."])
    parsed = ParsedFeed(publisher=_text(root, "publisher")[:120])
    for number, element in enumerate(elements, start=1):
        client_id = _text(element, "clientId")[:200]
        where = f"Mission n° {number}" + (f" ({client_id})" if client_id else "")
        if client_id in parsed.listed:
            # API Engagement keeps the first of duplicate clientIds.
            parsed.duplicates.append(client_id)
            continue
        if client_id:
            parsed.listed.add(client_id)
        try:
            parsed.missions.append(read_mission(element))
        except MissionSkipped as reason:
            parsed.skipped.append(f"{where} ignorée : {reason}.")
    return parsed


# ---------------------------------------------------------------- the town's territory


def _place(mission: MissionData, area: TownArea) -> FeedAddress | None:
    """The address shown here: the first in the town's territory; for a mission done fully remotely
    and none there, its first. None: the mission is not for this town."""
    for address in mission.addresses:
        if area.holds(
            latitude=address.latitude, longitude=address.longitude, postcode=address.postcode, city=address.city
        ):
            return address
    if mission.remote == Remote.FULL:
        return mission.addresses[0] if mission.addresses else FeedAddress()
    return None


# ---------------------------------------------------------------- writing


@dataclass
class ImportReport:
    source: str = DEFAULT_SOURCE
    created: int = 0
    updated: int = 0
    withdrawn: int = 0
    kept_closed: int = 0
    outside: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = [
            count_of(self.created, "mission créée", "missions créées"),
            count_of(self.updated, "déjà connue (mise à jour)", "déjà connues (mises à jour)"),
            count_of(self.withdrawn, "retirée du flux", "retirées du flux"),
            count_of(len(self.skipped), "ignorée", "ignorées"),
        ]
        if self.kept_closed:
            parts.append(
                count_of(self.kept_closed, "laissée fermée par la commune", "laissées fermées par la commune")
            )
        text = ", ".join(parts)
        if self.outside:
            outside = count_of(
                len(self.outside),
                "mission hors du territoire, non importée",
                "missions hors du territoire, non importées",
            )
            text += f" ; {outside}"
        if self.duplicates:
            duplicates = count_of(
                len(self.duplicates), "identifiant en double ignoré", "identifiants en double ignorés"
            )
            text += f" ; {duplicates} ({', '.join(self.duplicates[:5])})"
        return text + "."

    @property
    def outside_shown(self) -> str:
        shown = self.outside[:MAX_SKIPPED_SHOWN]
        more = len(self.outside) - len(shown)
        return ", ".join(shown) + (f" … et {count_of(more, 'autre')}" if more else "")

    @property
    def skipped_shown(self) -> list[str]:
        return first_errors(self.skipped, MAX_SKIPPED_SHOWN)

    @property
    def notes_shown(self) -> list[str]:
        return first_errors(self.notes, MAX_SKIPPED_SHOWN)


def _apply(need: Need, mission: MissionData, address: FeedAddress) -> None:
    need.title = mission.title
    need.description = mission.description
    need.description_html = mission.description_html
    need.application_url = mission.application_url
    need.address, need.city, need.postcode = address.street, address.city, address.postcode
    need.latitude, need.longitude = address.latitude, address.longitude
    need.is_located = address.is_located
    need.quartier = quartier_for(address.latitude, address.longitude) if address.is_located else None
    need.api_domain = mission.api_domain
    need.domain = DOMAIN_FOR_API.get(mission.api_domain, "solidarity")
    need.schedule = mission.schedule
    need.remote = mission.remote
    need.open_to_minors = mission.open_to_minors
    need.reduced_mobility_accessible = mission.reduced_mobility_accessible
    need.organisation_name = mission.organisation_name
    need.organisation_rna = mission.organisation_rna
    need.organisation_siren = mission.organisation_siren
    need.organisation_siret = mission.organisation_siret
    need.updated_at = timezone.now()


def _dates_for(shift: Shift | None, mission: MissionData, now: datetime.datetime):
    """The shift's dates: no start keeps the stored one (else now); no end is open-ended."""
    start = mission.start_at or (shift.starts_at if shift else now)
    end = mission.end_at or max(start, now) + OPEN_ENDED
    return start, max(end, start + datetime.timedelta(minutes=1))


def _sync_single_shift(need: Need, shift: Shift | None, start, end, places: int) -> None:
    """An external mission is one shift: its dates and places (nobody signs up here)."""
    if shift is None:
        Shift.objects.create(need=need, starts_at=start, ends_at=end, places=places)
        return
    need.shifts.exclude(pk=shift.pk).delete()
    shift.starts_at, shift.ends_at, shift.places = start, end, places
    shift.save(update_fields=["starts_at", "ends_at", "places"])


def _save_mission(need: Need | None, mission: MissionData, address: FeedAddress, source: str, by) -> str:
    """Create or update one mission's need: "created", "updated" or "kept_closed"."""
    creating = need is None
    shift = None if creating else min(need.shifts.all(), key=lambda s: s.pk, default=None)  # prefetched
    start, end = _dates_for(shift, mission, timezone.now())
    if creating:
        need = Need(client_id=mission.client_id, is_external=True, status=NeedStatus.DRAFT, created_by=by)
    need.feed_source = source  # also adopts a mission imported before feeds had names
    _apply(need, mission, address)
    need.save()
    outcome = "updated"
    if creating:
        NEED_WORKFLOW.log_creation(need, by=by, note="Import du flux")
        need.transition(NeedStatus.PUBLISHED, by=by, note="Import du flux")
        outcome = "created"
    elif need.status == NeedStatus.CLOSED and need.last_note == WITHDRAWN:
        need.transition(NeedStatus.PUBLISHED, by=by, note="De nouveau dans le flux")
    elif need.status == NeedStatus.CLOSED:
        outcome = "kept_closed"
    _sync_single_shift(need, shift, start, end, mission.places)
    return outcome


def _known_missions(source: str, client_ids: list[str]) -> dict[str, Need]:
    """This feed's stored missions by clientId, locked, with their shifts and their last status note.
    A mission imported before feeds had names (no `feed_source`) is found by its clientId too;
    one of this feed wins over it."""
    last_note = NeedTransition.objects.filter(need=OuterRef("pk")).order_by("-at", "-pk").values("note")[:1]
    rows = (
        Need.objects.select_for_update()
        .filter(is_external=True, feed_source__in=(source, ""), client_id__in=client_ids)
        .annotate(last_note=Subquery(last_note))
        .prefetch_related(Prefetch("shifts", queryset=Shift.objects.order_by("pk")))
        .order_by("-feed_source")  # "" last: a mission of this feed is kept over an unnamed one
    )
    known: dict[str, Need] = {}
    for need in rows:
        known.setdefault(need.client_id, need)
    return known


def _withdraw_missing(source: str, listed: set[str], by) -> int:
    """Close this feed's published missions that it no longer lists."""
    gone = (
        Need.objects.select_for_update()
        .filter(is_external=True, feed_source=source, status=NeedStatus.PUBLISHED)
        .exclude(client_id__in=listed)
    )
    count = 0
    for need in gone:
        need.transition(NeedStatus.CLOSED, by=by, note=WITHDRAWN)
        count += 1
    return count


def import_missions(content: bytes, *, by=None, source: str = "") -> ImportReport:
    """Create or update external needs from a feed, by (feed, clientId), and withdraw the missions
    that left it. Each mission is saved on its own savepoint: one that cannot be written (the same
    mission created at this moment by another import of the feed) is skipped, not the file.
    FeedError when the file is not a readable feed (nothing changes)."""
    parsed = parse_feed(content)
    source = (source.strip() or parsed.publisher or DEFAULT_SOURCE)[:120]
    report = ImportReport(source=source, duplicates=parsed.duplicates, skipped=list(parsed.skipped))
    area = TownArea.current()
    with transaction.atomic():
        known = _known_missions(source, [mission.client_id for mission in parsed.missions])
        for mission in parsed.missions:
            address = _place(mission, area)
            if address is None:
                report.outside.append(mission.client_id)
                continue
            try:
                with transaction.atomic():
                    outcome = _save_mission(known.get(mission.client_id), mission, address, source, by)
            except IntegrityError:
                report.skipped.append(
                    f"Mission {mission.client_id} ignorée : importée au même moment par un autre import du flux."
                )
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.notes += [f"Mission {mission.client_id} : {note}." for note in mission.notes]
        if parsed.listed:  # a feed where no mission has an id is broken, not empty: withdraw nothing
            # A mission that moved out of the territory is withdrawn like one that left the feed.
            report.withdrawn = _withdraw_missing(source, parsed.listed - set(report.outside), by)
    return report
