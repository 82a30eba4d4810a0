"""API Engagement XML feed: publish our needs, import missions from such a feed.

Format (shared/reference/domain.md §7): `<source><mission>…</mission></source>` with the
MissionXML field names (clientId, title, description, applicationUrl, postedAt, startAt,
endAt, addresses/address{street, city, postalCode, departmentCode, country,
location{lat, lon}} or the legacy single-address fields, domain, schedule, places, remote,
organizationName, organizationRNA, organizationSiren…).

Parsing goes through defusedxml: DTDs, entities and external references are refused, so a
hostile file cannot expand a billion laughs or read a local file. An import is all or
nothing: every mission is checked first, and one bad mission rejects the file with a French
message naming it.
"""

import datetime
import xml.etree.ElementTree as ET  # noqa: S405 - used to build, never to parse
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.tenancy import site_url
from villesolidaire.core.validation import first_errors
from villesolidaire.needs.models import (
    DOMAIN_FOR_API,
    NEED_WORKFLOW,
    ApiDomain,
    Need,
    NeedStatus,
    Remote,
    Shift,
)
from villesolidaire.territory.models import Town

MAX_FEED_BYTES = 20 * 1024 * 1024
MAX_ERRORS_SHOWN = 10
YES = {"yes", "oui", "true", "1"}


class FeedError(Exception):
    """The feed is refused; `errors` are French sentences for the user."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


# ---------------------------------------------------------------- publishing


def client_id_prefix(town: Town | None) -> str:
    return f"villesolidaire-{town.insee_code}" if town else "villesolidaire"


def feed_needs(now=None):
    """Our own published needs with a shift still to come (imported ones are not republished)."""
    return (
        Need.objects.open_now(now)
        .filter(is_external=False)
        .select_related("organisation")
        .prefetch_related("shifts")
        .order_by("pk")
    )


def _department_code(postcode: str) -> str:
    if not postcode:
        return ""
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):  # Corsica: 2A below 20200, 2B above
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


def _iso(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def _sub(parent: ET.Element, tag: str, text="") -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text not in ("", None):
        element.text = str(text)
    return element


def mission_element(need: Need, prefix: str, town: Town | None, now: datetime.datetime | None = None) -> ET.Element:
    # Dates and places of the shifts still to come: past shifts are no offer any more.
    now = now or timezone.now()
    shifts = [shift for shift in need.shifts.all() if shift.ends_at > now] or list(need.shifts.all())
    mission = ET.Element("mission")
    _sub(mission, "clientId", f"{prefix}-{need.pk}")
    _sub(mission, "title", need.title)
    _sub(mission, "description", need.description)
    _sub(mission, "applicationUrl", site_url() + reverse("needs:public_detail", args=[need.pk]))
    _sub(mission, "postedAt", _iso(need.published_at or need.created_at))
    if shifts:
        _sub(mission, "startAt", _iso(min(s.starts_at for s in shifts)))
        _sub(mission, "endAt", _iso(max(s.ends_at for s in shifts)))
    addresses = _sub(mission, "addresses")
    address = _sub(addresses, "address")
    _sub(address, "street", need.address)
    _sub(address, "city", need.city)
    _sub(address, "postalCode", need.postcode)
    _sub(address, "departmentCode", _department_code(need.postcode))
    _sub(address, "country", "FR")
    if need.is_located and need.latitude is not None:
        location = _sub(address, "location")
        _sub(location, "lat", repr(need.latitude))
        _sub(location, "lon", repr(need.longitude))
    _sub(mission, "domain", need.api_domain)
    _sub(mission, "schedule", need.schedule)
    _sub(mission, "places", sum(s.places for s in shifts) or 1)
    _sub(mission, "remote", need.remote)
    _sub(mission, "openToMinors", "yes" if need.open_to_minors else "no")
    _sub(mission, "reducedMobilityAccessible", "yes" if need.reduced_mobility_accessible else "no")
    organisation = need.organisation
    _sub(mission, "organizationName", organisation.name if organisation else (town.name if town else "Commune"))
    if organisation:
        _sub(mission, "organizationRNA", organisation.rna)
        _sub(mission, "organizationSiren", organisation.siret[:9])
    return mission


def build_feed(needs) -> bytes:
    root = ET.Element("source")
    town = Town.current()
    prefix = client_id_prefix(town)
    for need in needs:
        root.append(mission_element(need, prefix, town))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- reading


@dataclass
class MissionData:
    client_id: str
    title: str
    description: str = ""
    application_url: str = ""
    posted_at: datetime.datetime | None = None
    start_at: datetime.datetime | None = None
    end_at: datetime.datetime | None = None
    street: str = ""
    city: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    api_domain: str = ApiDomain.AUTRE
    schedule: str = ""
    places: int = 1
    remote: str = Remote.NO
    open_to_minors: bool = False
    reduced_mobility_accessible: bool = False
    organisation_name: str = ""
    organisation_rna: str = ""
    organisation_siren: str = ""


@dataclass
class ParsedFeed:
    missions: list[MissionData] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def _text(element, tag: str) -> str:
    child = element.find(tag) if element is not None else None
    return (child.text or "").strip() if child is not None and child.text else ""


def _first_text(element, *tags: str) -> str:
    for tag in tags:
        value = _text(element, tag)
        if value:
            return value
    return ""


def parse_datetime(value: str) -> datetime.datetime:
    """ISO 8601 date or date-time, with or without offset (local time when none)."""
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _is_date_only(value: str) -> bool:
    return len(value.strip()) == 10


def _coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(Decimal(value.replace(",", ".")))
    except (InvalidOperation, ValueError):
        return None
    return number if low <= number <= high else None


def _location(address) -> tuple[float | None, float | None]:
    location = address.find("location") if address is not None else None
    if location is not None:
        return _coordinate(_text(location, "lat"), -90, 90), _coordinate(_text(location, "lon"), -180, 180)
    lonlat = _first_text(address, "lonlat", "lonLat")
    if lonlat:
        parts = lonlat.replace(";", ",").replace(" ", ",").split(",")
        parts = [p for p in parts if p]
        if len(parts) == 2:
            return _coordinate(parts[1], -90, 90), _coordinate(parts[0], -180, 180)
    return None, None


def _mission(element, number: int, errors: list[str]) -> MissionData | None:
    where = f"Mission n° {number}"
    client_id = _text(element, "clientId")[:200]
    title = _text(element, "title")
    if client_id:
        where += f" ({client_id})"
    local_errors = []
    if not client_id:
        local_errors.append(f"{where} : l'identifiant <clientId> est manquant.")
    if not title:
        local_errors.append(f"{where} : le titre <title> est manquant.")
    data = MissionData(client_id=client_id, title=title[:150])
    data.description = _text(element, "description")[:5000]
    data.application_url = _text(element, "applicationUrl")[:500]
    if data.application_url and not data.application_url.startswith(("https://", "http://")):
        local_errors.append(f"{where} : le lien <applicationUrl> doit commencer par https://.")
    for tag, attribute in (("postedAt", "posted_at"), ("startAt", "start_at"), ("endAt", "end_at")):
        raw = _text(element, tag)
        if not raw:
            continue
        try:
            value = parse_datetime(raw)
        except ValueError:
            local_errors.append(
                f"{where} : la date <{tag}> « {raw[:40]} » n'est pas au format ISO 8601 "
                "(ex. 2025-06-14T09:00:00+02:00)."
            )
            continue
        if tag == "endAt" and _is_date_only(raw):
            value = value + datetime.timedelta(days=1, seconds=-1)  # a date-only end is the whole day
        setattr(data, attribute, value)
    if not data.start_at and not any("<startAt>" in e for e in local_errors):
        local_errors.append(f"{where} : la date de début <startAt> est manquante.")
    if data.start_at and data.end_at and data.end_at <= data.start_at:
        local_errors.append(f"{where} : la date de fin <endAt> est avant la date de début <startAt>.")
    if data.start_at and not data.end_at:
        # No end given: the mission is placed on its first day.
        local_start = timezone.localtime(data.start_at)
        data.end_at = timezone.make_aware(datetime.datetime.combine(local_start.date(), datetime.time(23, 59)))
        if data.end_at <= data.start_at:
            data.end_at = data.start_at + datetime.timedelta(hours=1)

    domain = _text(element, "domain")
    if domain:
        if domain not in ApiDomain.values:
            local_errors.append(
                f"{where} : le domaine « {domain[:40]} » ne fait pas partie de la liste d'API Engagement."
            )
        else:
            data.api_domain = domain
    remote = _text(element, "remote")
    if remote:
        if remote not in Remote.values:
            local_errors.append(f"{where} : <remote> vaut « {remote[:20]} » au lieu de no, possible ou full.")
        else:
            data.remote = remote
    places = _text(element, "places")
    if places:
        if not places.isdigit() or not 1 <= int(places) <= 10000:
            local_errors.append(
                f"{where} : le nombre de places « {places[:20]} » doit être un entier entre 1 et 10 000."
            )
        else:
            data.places = int(places)

    addresses = element.find("addresses")
    address = addresses.find("address") if addresses is not None else None
    if address is not None:
        data.street = _first_text(address, "street")
        data.city = _text(address, "city")
        data.postcode = _text(address, "postalCode")
        data.latitude, data.longitude = _location(address)
    else:  # legacy single-address fields on the mission itself
        data.street = _first_text(element, "address", "adresse")
        data.city = _text(element, "city")
        data.postcode = _text(element, "postalCode")
        data.latitude, data.longitude = _location(element)
    data.street, data.city = data.street[:250], data.city[:120]
    data.postcode = data.postcode if data.postcode.isdigit() and len(data.postcode) == 5 else ""

    data.schedule = _text(element, "schedule")[:200]
    data.open_to_minors = _text(element, "openToMinors").lower() in YES
    data.reduced_mobility_accessible = _text(element, "reducedMobilityAccessible").lower() in YES
    data.organisation_name = _text(element, "organizationName")[:200]
    data.organisation_rna = _text(element, "organizationRNA")[:20]
    data.organisation_siren = _text(element, "organizationSiren")[:14]
    errors.extend(local_errors)
    return None if local_errors else data


def parse_feed(content: bytes) -> ParsedFeed:
    """Every mission of the feed, checked; FeedError lists what is wrong (nothing is kept)."""
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
            [f"Le fichier n'est pas un XML valide (ligne {exc.position[0]}, colonne {exc.position[1]})."]
        ) from None
    if root.tag != "source":
        raise FeedError(
            [f"Élément racine <{root.tag[:30]}> inattendu : un flux API Engagement commence par <source>."]
        )
    elements = root.findall("mission")
    if not elements:
        raise FeedError(["Le flux ne contient aucune mission <mission>."])
    parsed, errors, seen = ParsedFeed(), [], set()
    for number, element in enumerate(elements, start=1):
        mission = _mission(element, number, errors)
        if mission is None:
            continue
        if mission.client_id in seen:
            # API Engagement drops duplicate clientIds: the first one counts.
            parsed.duplicates.append(mission.client_id)
            continue
        seen.add(mission.client_id)
        parsed.missions.append(mission)
    if errors:
        raise FeedError(["Le flux est refusé, rien n'a été importé.", *first_errors(errors, MAX_ERRORS_SHOWN)])
    return parsed


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    duplicates: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"{self.created} mission(s) créée(s), {self.updated} mise(s) à jour"
        if self.duplicates:
            text += f", {len(self.duplicates)} en double ignorée(s) ({', '.join(self.duplicates[:5])})"
        return text + "."


def _apply(need: Need, mission: MissionData) -> None:
    need.title = mission.title
    need.description = mission.description or mission.title
    need.application_url = mission.application_url
    need.address, need.city, need.postcode = mission.street, mission.city, mission.postcode
    need.latitude, need.longitude = mission.latitude, mission.longitude
    need.is_located = mission.latitude is not None and mission.longitude is not None
    need.api_domain = mission.api_domain
    need.domain = DOMAIN_FOR_API.get(mission.api_domain, "solidarity")
    need.schedule = mission.schedule
    need.remote = mission.remote
    need.open_to_minors = mission.open_to_minors
    need.reduced_mobility_accessible = mission.reduced_mobility_accessible
    need.organisation_name = mission.organisation_name
    need.organisation_rna = mission.organisation_rna
    need.organisation_siren = mission.organisation_siren
    need.updated_at = timezone.now()


@transaction.atomic
def import_missions(content: bytes, *, by=None) -> ImportReport:
    """Create or update external needs from a feed, by clientId (idempotent). The whole file
    is checked before anything is written, and written in one transaction."""
    parsed = parse_feed(content)
    report = ImportReport(duplicates=parsed.duplicates)
    existing = Need.objects.select_for_update().in_bulk([m.client_id for m in parsed.missions], field_name="client_id")
    for mission in parsed.missions:
        need = existing.get(mission.client_id)
        if need is not None and not need.is_external:
            raise FeedError([f"L'identifiant {mission.client_id} appartient à un besoin de la commune : refusé."])
        creating = need is None
        if creating:
            need = Need(client_id=mission.client_id, is_external=True, status=NeedStatus.DRAFT, created_by=by)
        _apply(need, mission)
        need.save()
        if creating:
            NEED_WORKFLOW.log_creation(need, by=by, note="Import du flux")
            need.transition(NeedStatus.PUBLISHED, by=by, note="Import du flux")
            report.created += 1
        else:
            if need.status == NeedStatus.CLOSED:
                need.transition(NeedStatus.PUBLISHED, by=by, note="De nouveau dans le flux")
            report.updated += 1
        _sync_single_shift(need, mission)
    return report


def _sync_single_shift(need: Need, mission: MissionData) -> None:
    """An external mission is one shift: its dates and places (nobody signs up here)."""
    shift = need.shifts.order_by("pk").first()
    if shift is None:
        Shift.objects.create(need=need, starts_at=mission.start_at, ends_at=mission.end_at, places=mission.places)
        return
    need.shifts.exclude(pk=shift.pk).delete()
    shift.starts_at, shift.ends_at, shift.places = mission.start_at, mission.end_at, mission.places
    shift.save(update_fields=["starts_at", "ends_at", "places"])
