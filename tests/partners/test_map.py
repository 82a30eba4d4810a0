"""Public map and list: only validated organisations' active services; filters; bounded queries."""

import pytest
from django.urls import reverse

from tests.factories import QuartierFactory, VolunteerFactory
from tests.factories.partners import OrganisationFactory, ServiceFactory
from villesolidaire.partners.models import OrganisationStatus


def _names(response) -> list[str]:
    return [service.name for service in response.context["page_obj"]]


def test_only_validated_and_active_services_are_public(client):
    ServiceFactory(name="Publié")
    ServiceFactory(name="Inactif", is_active=False)
    ServiceFactory(name="Structure en attente", organisation=OrganisationFactory(status=OrganisationStatus.PENDING))
    ServiceFactory(name="Structure suspendue", organisation=OrganisationFactory(status=OrganisationStatus.SUSPENDED))
    response = client.get(reverse("partners:map"))
    assert _names(response) == ["Publié"]
    data = client.get(reverse("partners:map_data")).json()
    assert [point["n"] for point in data["points"]] == ["Publié"]


def test_the_list_under_the_map_keeps_30_per_page(client, settings):
    settings.VS_PAGE_SIZE = 5  # this list does not follow the default page size
    ServiceFactory.create_batch(6)
    page = client.get(reverse("partners:map")).context["page_obj"]
    assert page.paginator.per_page == 30 and len(page.object_list) == 6


def test_volunteers_see_the_same_public_data(client):
    ServiceFactory(name="Publié")
    ServiceFactory(name="En attente", organisation=OrganisationFactory(status=OrganisationStatus.PENDING))
    client.force_login(VolunteerFactory(active=True).user)
    assert _names(client.get(reverse("partners:map"))) == ["Publié"]


def test_filter_by_thematique_catégorie_and_public(client):
    ServiceFactory(name="Colis", thematiques=["equipement-et-alimentation--alimentation"], publics=["familles"])
    ServiceFactory(name="Vêtements", thematiques=["equipement-et-alimentation--habillement"], publics=["tous-publics"])
    ServiceFactory(name="Numérique", thematiques=["numerique--acceder-a-des-services-en-ligne"], publics=["seniors"])
    url = reverse("partners:map")
    assert _names(client.get(url, {"thematique": "equipement-et-alimentation--alimentation"})) == ["Colis"]
    assert sorted(_names(client.get(url, {"thematique": "equipement-et-alimentation"}))) == ["Colis", "Vêtements"]
    # A service for everyone serves seniors too.
    assert sorted(_names(client.get(url, {"public": "seniors"}))) == ["Numérique", "Vêtements"]
    assert _names(client.get(url, {"public": "tous-publics"})) == ["Vêtements"]
    data = client.get(reverse("partners:map_data"), {"public": "familles"}).json()
    assert sorted(point["n"] for point in data["points"]) == ["Colis", "Vêtements"]


def test_filter_by_quartier_uses_the_service_address_else_the_organisation(client):
    north, south = QuartierFactory(name="Nord", code="nord"), QuartierFactory(name="Sud", code="sud")
    organisation = OrganisationFactory(quartier=north)
    ServiceFactory(name="Au siège", organisation=organisation)
    ServiceFactory(
        name="Antenne sud",
        organisation=organisation,
        address="1 place du Sud",
        quartier=south,
        latitude=47.1,
        longitude=0.6,
        is_located=True,
    )
    url = reverse("partners:map")
    assert _names(client.get(url, {"quartier": north.pk})) == ["Au siège"]
    assert _names(client.get(url, {"quartier": south.pk})) == ["Antenne sud"]


def test_map_points_use_the_organisation_position_when_the_service_has_no_address(client):
    organisation = OrganisationFactory(latitude=47.25, longitude=0.61)
    service = ServiceFactory(organisation=organisation)
    nowhere = OrganisationFactory(latitude=None, longitude=None, is_located=False)
    ServiceFactory(name="Nulle part", organisation=nowhere)
    points = client.get(reverse("partners:map_data")).json()["points"]
    assert points == [
        {
            "id": service.pk,
            "n": service.name,
            "o": organisation.name,
            "lat": 47.25,
            "lon": 0.61,
            "u": f"/cartographie/structures/{organisation.pk}/#service-{service.pk}",
        }
    ]
    # Not on the map, but still in the list: the map is never the only way in.
    assert "Nulle part" in _names(client.get(reverse("partners:map")))


def test_invalid_filters_never_fail(client):
    ServiceFactory(name="Publié")
    response = client.get(reverse("partners:map"), {"thematique": "<script>", "quartier": "x", "page": "zzz"})
    assert response.status_code == 200 and _names(response) == ["Publié"]
    assert client.get(reverse("partners:map_data"), {"quartier": "x"}).status_code == 400


def test_list_works_without_javascript_and_loads_local_assets_only(client, settings):
    settings.VS_MAP_TILES_URL = ""
    ServiceFactory(name="Publié")
    page = client.get(reverse("partners:map")).content.decode()
    assert "Publié" in page
    assert '<script src="/static/partners/leaflet/leaflet.js" defer></script>' in page
    assert "<script>" not in page and "style=" not in page and "unpkg" not in page
    assert 'data-tiles-url=""' in page and "hidden" in page


def test_tiles_url_comes_from_settings(client, settings):
    settings.VS_MAP_TILES_URL = "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
    settings.VS_MAP_TILES_ATTRIBUTION = "© contributeurs OpenStreetMap"
    page = client.get(reverse("partners:map")).content.decode()
    assert 'data-tiles-url="https://tuiles.exemple.fr/{z}/{x}/{y}.png"' in page
    assert "© contributeurs OpenStreetMap" in page


@pytest.mark.parametrize("rows", [1, 40])
def test_map_and_data_queries_do_not_grow_with_rows(client, rows, django_assert_max_num_queries):
    quartier = QuartierFactory()
    for _ in range(rows):
        ServiceFactory(organisation=OrganisationFactory(quartier=quartier))
    with django_assert_max_num_queries(5):
        assert client.get(reverse("partners:map"), {"quartier": quartier.pk}).status_code == 200
    with django_assert_max_num_queries(2):
        assert len(client.get(reverse("partners:map_data")).json()["points"]) == rows


def test_public_organisation_page(client):
    service = ServiceFactory(name="Service visible", publics=["seniors"])
    ServiceFactory(name="Service retiré", organisation=service.organisation, is_active=False)
    page = client.get(reverse("partners:public_organisation", args=[service.organisation.pk])).content.decode()
    assert "Service visible" in page and "Séniors" in page and "Service retiré" not in page
    pending = OrganisationFactory(status=OrganisationStatus.PENDING)
    assert client.get(reverse("partners:public_organisation", args=[pending.pk])).status_code == 404


def test_public_page_tells_who_may_ask_and_links_the_online_request(client):
    service = ServiceFactory(
        name="Permanence",
        mobilisable_par=["professionnels", "usagers"],
        mobilisation_url="https://www.association-exemple.fr/demande",
    )
    page = client.get(reverse("partners:public_organisation", args=[service.organisation.pk])).content.decode()
    assert "Qui peut faire la demande" in page and "Professionnels, Usagers" in page
    assert 'href="https://www.association-exemple.fr/demande"' in page and f'id="service-{service.pk}"' in page
