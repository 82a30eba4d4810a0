"""API Engagement XML feed: publish our needs (the import of such feeds is `feed_import`).

Format (shared/reference/domain.md §7): `<source><mission>…</mission></source>` with the
MissionXML field names (clientId, title, description, applicationUrl, postedAt, startAt,
endAt, addresses/address{street, city, postalCode, departmentCode, country,
location{lat, lon}}, domain, schedule, places, remote, organizationName, organizationRNA,
organizationSiren…).
"""

import datetime
import xml.etree.ElementTree as ET  # noqa: S405 - used to build, never to parse

from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.tenancy import site_url
from villesolidaire.needs.models import Need
from villesolidaire.territory.models import Town

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
        # The reference importer takes a SIRET here as well as a SIREN: the establishment is kept.
        _sub(mission, "organizationSiren", organisation.siret)
    return mission


def build_feed(needs) -> bytes:
    root = ET.Element("source")
    town = Town.current()
    prefix = client_id_prefix(town)
    for need in needs:
        root.append(mission_element(need, prefix, town))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
