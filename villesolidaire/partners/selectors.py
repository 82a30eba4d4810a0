"""Reads for the public map and list: validated organisations, active services, one query each."""

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from villesolidaire.partners.models import ChangeStatus, Organisation, Service

MAP_FIELDS = (
    "pk",
    "name",
    "address",
    "latitude",
    "longitude",
    "organisation_id",
    "organisation__name",
    "organisation__latitude",
    "organisation__longitude",
)


def public_services() -> QuerySet[Service]:
    return Service.objects.public().select_related("organisation", "quartier", "organisation__quartier")


def map_points(services: QuerySet[Service]) -> list[dict]:
    """Compact markers for the map (one query): a service without coordinates of its own
    stands at its organisation's; one located nowhere is left out of the map, not of the list."""
    organisation_url = reverse("partners:public_organisation", args=[0]).replace("/0/", "/{}/")
    points = []
    rows = services.order_by().values_list(*MAP_FIELDS)
    for pk, name, address, lat, lon, org_id, org_name, org_lat, org_lon in rows:
        if not address:
            lat, lon = org_lat, org_lon
        if lat is None or lon is None:
            continue
        points.append(
            {
                "id": pk,
                "n": name,
                "o": org_name,
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "u": f"{organisation_url.format(org_id)}#service-{pk}",
            }
        )
    return points


def organisations_for_coordinators() -> QuerySet[Organisation]:
    return (
        Organisation.objects.select_related("quartier")
        .annotate(
            service_count=Count("services", distinct=True),
            pending_count=Count("changes", filter=Q(changes__status=ChangeStatus.PENDING), distinct=True),
        )
        .order_by("name", "pk")
    )
