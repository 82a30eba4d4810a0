"""Roles limited to some quartiers (issue 13): a quartier coordinator sees nothing outside them.

Every staff URL is walked by a coordinator and a register officer limited to « Nord », with each
id of the « Sud » rows: no page shows a Sud person, no Sud row changes. The pages that scope their
rows (`accounts.perms.quartier_aware`) show Nord's; every other staff page is a 404 for them.
"""

import re

import pytest
from django.urls import get_resolver, reverse

from tests.factories import (
    HelpRequestFactory,
    QuartierFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.neighbours import NeighbourFactory, NetworkFactory
from tests.factories.register import RegisterEntryFactory
from tests.test_permissions import _walk
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditEntry
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.neighbours.models import Alert, Network
from villesolidaire.register.models import RegisterEntry
from villesolidaire.residents.models import Resident
from villesolidaire.territory.models import Commune
from villesolidaire.territory.scopes import ScopeError, remove_quartier_scope, set_quartier_scope
from villesolidaire.volunteers.models import Volunteer


def _rows(quartier, marker):
    resident = ResidentFactory(first_name=marker, last_name="Habitant", quartier=quartier)
    request = HelpRequestFactory(resident=resident, description=f"Courses pour {marker}")
    volunteer = VolunteerFactory(active=True, first_name=marker, last_name="Volontaire", quartier=quartier)
    support = SupportFactory(help_request=request, volunteer=volunteer)
    entry = RegisterEntryFactory(first_names=marker, last_name="Inscrit", quartier=quartier)
    network = NetworkFactory(name=f"Résidence {marker}", quartier=quartier)
    neighbour = NeighbourFactory(network=network, first_name=marker)
    alert = Alert.objects.create(
        network=network, neighbour=neighbour, raised_by=volunteer, text=f"Volets clos chez {marker}"
    )
    return {
        "resident": resident,
        "request": request,
        "volunteer": volunteer,
        "support": support,
        "entry": entry,
        "network": network,
        "alert": alert,
    }


@pytest.fixture
def two_quartiers():
    nord, sud = QuartierFactory(name="Nord"), QuartierFactory(name="Sud")
    return nord, sud, _rows(nord, "Nordine"), _rows(sud, "Sudiste")


def _limited(role, quartier, client):
    user = staff_user(role)
    set_quartier_scope(user, [quartier], by=None)
    login_staff(client, user)
    return user


def _snapshot():
    return (
        sorted(HelpRequest.objects.values_list("pk", "status", "description")),
        sorted(Resident.objects.values_list("pk", "first_name", "merged_into")),
        sorted(Volunteer.objects.values_list("pk", "status", "first_name")),
        sorted(RegisterEntry.objects.values_list("pk", "status")),
        sorted(Alert.objects.values_list("pk", "handled_at")),
        sorted(Network.objects.values_list("pk", "name", "status")),
    )


def _urls_with(ids):
    routes = sorted({route for route, _ in _walk(get_resolver().url_patterns) if route.startswith("gestion/")})
    for route in routes:
        route = re.sub(r"<(str|slug|uuid|path):[^>]+>", "x", route)
        if "<int:" not in route:
            yield "/" + route
            continue
        for pk in ids:
            yield "/" + re.sub(r"<int:[^>]+>", str(pk), route)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REGISTER_OFFICER])
def test_a_quartier_limited_role_sees_and_changes_nothing_outside_its_quartiers(client, two_quartiers, role):
    nord, sud, _, sud_rows = two_quartiers
    _limited(role, nord, client)
    before = _snapshot()
    sud_ids = sorted({row.pk for row in sud_rows.values()})
    for url in _urls_with(sud_ids):
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code in (200, 302, 400, 403, 404, 405), (url, response.status_code)
            body = response.content.decode(errors="replace") if not response.streaming else ""
            assert "Sudiste" not in body, url
    assert _snapshot() == before


def test_the_quartier_aware_pages_show_the_quartiers_rows(client, two_quartiers):
    nord, _sud, nord_rows, sud_rows = two_quartiers
    _limited(Role.COORDINATOR, nord, client)
    for url in (
        "/gestion/demandes/?state=",
        f"/gestion/demandes/{nord_rows['request'].pk}/",
        "/gestion/habitants/",
        f"/gestion/habitants/{nord_rows['resident'].pk}/",
        "/gestion/volontaires/",
        f"/gestion/volontaires/{nord_rows['volunteer'].pk}/",
        "/gestion/soutiens/",
        f"/gestion/soutiens/{nord_rows['support'].pk}/",
        "/gestion/voisinage/",
        f"/gestion/voisinage/{nord_rows['network'].pk}/",
        "/gestion/voisinage/alertes/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Nordine" in response.content.decode(), url
        assert "Sudiste" not in response.content.decode(), url
    assert client.get(f"/gestion/demandes/{sud_rows['request'].pk}/").status_code == 404
    # A page that does not scope its rows is closed to them.
    assert client.get("/gestion/bilan/").status_code == 404


def test_a_quartier_limited_register_officer_reads_the_register_of_its_quartiers(client, two_quartiers):
    nord, _sud, nord_rows, sud_rows = two_quartiers
    _limited(Role.REGISTER_OFFICER, nord, client)
    listing = client.get("/gestion/registre/").content.decode()
    assert "Nordine" in listing and "Sudiste" not in listing
    assert client.get(f"/gestion/registre/{nord_rows['entry'].pk}/").status_code == 200
    assert client.get(f"/gestion/registre/{sud_rows['entry'].pk}/").status_code == 404


def test_an_empty_scope_sees_nothing_and_removing_it_gives_the_town_back(client, two_quartiers):
    nord, _sud, _nord_rows, _sud_rows = two_quartiers
    coordinator = staff_user(Role.COORDINATOR)
    set_quartier_scope(coordinator, [], by=None)
    login_staff(client, coordinator)
    page = client.get("/gestion/demandes/?state=").content.decode()
    assert "Nordine" not in page and "Sudiste" not in page
    remove_quartier_scope(coordinator, by=None)
    client.logout()
    login_staff(client, coordinator)
    page = client.get("/gestion/demandes/?state=").content.decode()
    assert "Nordine" in page and "Sudiste" in page


def test_limits_are_journaled_and_never_given_to_an_administrator(two_quartiers):
    nord, *_ = two_quartiers
    admin = staff_user(Role.COORDINATOR)
    coordinator = staff_user(Role.COORDINATOR)
    set_quartier_scope(coordinator, [nord], by=admin)
    entry = AuditEntry.objects.filter(object_id=str(coordinator.pk), fields=["quartiers"]).get()
    assert "limités aux quartiers : Nord" in entry.detail
    with pytest.raises(ScopeError, match="toute la commune"):
        set_quartier_scope(staff_user(Role.ADMIN), [nord], by=admin)


def test_a_user_without_limit_costs_no_query(django_assert_num_queries):
    coordinator = staff_user(Role.COORDINATOR)
    with django_assert_num_queries(0):
        assert coordinator.quartier_ids is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REGISTER_OFFICER])
def test_a_limited_person_lands_on_and_is_offered_only_pages_that_open(client, two_quartiers, role):
    nord, *_ = two_quartiers
    _limited(role, nord, client)
    landing = client.get("/", follow=True)
    assert landing.status_code == 200
    nav = landing.content.decode().split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="(/gestion/[^"]*)"', nav)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_scope_by_commune_covers_its_quartiers_even_those_added_later(client, two_quartiers):
    nord, sud, nord_rows, sud_rows = two_quartiers
    alpha = Commune.objects.create(name="Alpha-sur-Rance", insee_code="35001")
    nord.commune = alpha
    nord.save()
    officer = staff_user(Role.REGISTER_OFFICER)
    set_quartier_scope(officer, [], communes=[alpha], by=None)
    login_staff(client, officer)
    listing = client.get("/gestion/registre/").content.decode()
    assert "Nordine" in listing and "Sudiste" not in listing
    # Sud joins the commune: the scope follows, with no change to it.
    sud.commune = alpha
    sud.save()
    client.logout()
    login_staff(client, officer)
    assert "Sudiste" in client.get("/gestion/registre/").content.decode()


def test_the_register_of_an_intercommunal_service_is_read_commune_by_commune(client, two_quartiers):
    nord, sud, _nord_rows, _sud_rows = two_quartiers
    alpha = Commune.objects.create(name="Alpha-sur-Rance", insee_code="35001")
    beta = Commune.objects.create(name="Beta-les-Bois", insee_code="35002")
    nord.commune, sud.commune = alpha, beta
    nord.save()
    sud.save()
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    page = client.get("/gestion/registre/", {"commune": beta.pk}).content.decode()
    assert "Sudiste" in page and "Nordine" not in page
    assert "Toutes" in page


def test_a_caretaker_relays_the_alerts_of_their_buildings_only(client, two_quartiers):
    nord, _sud, nord_rows, sud_rows = two_quartiers
    _limited(Role.COORDINATOR, nord, client)
    page = client.get("/gestion/voisinage/alertes/").content.decode()
    assert "Volets clos chez Nordine" in page and "Sudiste" not in page
    assert client.post(f"/gestion/voisinage/alertes/{sud_rows['alert'].pk}/traitee/").status_code == 404
    client.post(f"/gestion/voisinage/alertes/{nord_rows['alert'].pk}/traitee/")
    nord_rows["alert"].refresh_from_db()
    assert nord_rows["alert"].handled_at is not None


def test_the_admin_refuses_a_limit_to_nothing(two_quartiers):
    from villesolidaire.territory.admin import QuartierScopeForm

    form = QuartierScopeForm(data={"user": staff_user(Role.COORDINATOR).pk})
    assert not form.is_valid()
    assert "Choisissez au moins un quartier ou une commune" in str(form.errors)


def test_the_pages_a_limited_person_opens_link_only_to_pages_that_open(client, two_quartiers):
    nord, _sud, nord_rows, _sud_rows = two_quartiers
    _limited(Role.COORDINATOR, nord, client)
    pages = [
        "/gestion/demandes/",
        f"/gestion/demandes/{nord_rows['request'].pk}/",
        f"/gestion/habitants/{nord_rows['resident'].pk}/",
        "/gestion/volontaires/",
        "/gestion/voisinage/",
    ]
    for page in pages:
        body = client.get(page).content.decode().split("<main", 1)[1]
        for link in sorted(set(re.findall(r'href="(/gestion/[^"?#]*)', body))):
            assert client.get(link).status_code == 200, (page, link)


def test_a_quartier_limited_coordinator_bulk_changes_only_the_volunteers_of_its_quartiers(client, two_quartiers):
    """The list offers « Vérifier puis appliquer »: it works on the coordinator's quartiers, and a
    volunteer of another quartier slipped into the form (or matched by « tous ») is left alone."""
    nord, _sud, nord_rows, sud_rows = two_quartiers
    _limited(Role.COORDINATOR, nord, client)
    ours, theirs = nord_rows["volunteer"], sud_rows["volunteer"]
    url = reverse("volunteers:bulk_action")
    ticked = {"action": "pause", "volunteers": [ours.pk, theirs.pk], "reason": "Congés"}
    page = client.post(url, ticked)
    assert page.status_code == 200 and "Nordine" in page.content.decode()
    assert "Sudiste" not in page.content.decode()
    token = re.search(r'name="confirmation" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(url, {**ticked, "confirmation": token}).status_code == 302
    assert Volunteer.objects.get(pk=ours.pk).status == "paused"
    assert Volunteer.objects.get(pk=theirs.pk).status == "active"
    everyone = client.post(url, {"action": "pause", "tous": "on", "reason": "Congés"})
    assert "Sudiste" not in everyone.content.decode()
