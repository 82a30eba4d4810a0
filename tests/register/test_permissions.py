"""Only named register officers reach the register (R121-7): every other role gets a 404,
administrators and coordinators included. New register URLs are covered automatically."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import VolunteerFactory, login_staff, staff_user
from tests.factories.register import RegisterEntryFactory, RegisterExtrasFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.register.models import RegisterImport

PUBLIC_NAMES = {"public_form", "public_confirmation", "paper_form"}
# Designating officers and callers: administrators and officers (tests/register/test_designations.py).
DESIGNATION_NAMES = {"designations", "designation_approve", "designation_refuse"}


def _register_routes():
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "register":
            prefix = str(entry.pattern)
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                yield pattern.name, prefix + str(pattern.pattern)


ROUTES = sorted(_register_routes())
STAFF_ROUTES = [(name, route) for name, route in ROUTES if name not in PUBLIC_NAMES | DESIGNATION_NAMES]


def _url(route: str, pk: int, batch_pk: int) -> str:
    route = route.replace("<int:pk>", str(batch_pk) if route.startswith("gestion/registre/import/") else str(pk))
    assert "<" not in route, route
    return "/" + route


@pytest.fixture
def targets():
    entry = RegisterEntryFactory(last_name="Wojciechowska")
    RegisterExtrasFactory(entry=entry)
    batch = RegisterImport.objects.create(origin="departement")
    return entry.pk, batch.pk


def test_every_register_staff_url_is_under_gestion_registre():
    assert len(STAFF_ROUTES) >= 20
    assert all(route.startswith("gestion/registre/") for _, route in STAFF_ROUTES)
    assert {name for name, _ in ROUTES} >= PUBLIC_NAMES | {
        "list",
        "detail",
        "create",
        "edit",
        "dossier",
        "import",
        "prefect_export",
        "acknowledgements_due",
        "confirmation_due",
        "extras",
        "link_resident",
    }


OTHER_ROLES = [Role.OPERATOR, Role.COORDINATOR, Role.ADMIN, Role.CALLER, Role.AUDITOR]


@pytest.mark.parametrize("name,route", STAFF_ROUTES)
def test_only_register_officers_get_in(client, targets, name, route):
    url = _url(route, *targets)
    # Anonymous: login redirect (or 404), never the page.
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"].startswith("/comptes/connexion/")
    # A volunteer and every other staff role, second factor passed: 404, GET and POST.
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    assert client.get(url).status_code == 404, url
    assert client.post(url, {}).status_code == 404, url
    for role in OTHER_ROLES:
        user = staff_user(role)
        if role == Role.ADMIN:
            user.is_staff = user.is_superuser = True
            user.save()
        login_staff(client, user)
        assert client.get(url).status_code == 404, (role, url)
        assert client.post(url, {}).status_code == 404, (role, url)
    # The register officer gets in (405 for the wrong method is fine: the door opened).
    officer = staff_user(Role.REGISTER_OFFICER)
    login_staff(client, officer)
    get, post = client.get(url), client.post(url, {})
    assert get.status_code in (200, 302, 405), (url, get.status_code)
    assert post.status_code in (200, 302, 400, 405), (url, post.status_code)
    assert get.status_code != 404 and post.status_code != 404


def test_officer_without_second_factor_is_sent_to_it(client, targets):
    officer = staff_user(Role.REGISTER_OFFICER)
    client.force_login(officer)
    response = client.get(_url("gestion/registre/", *targets))
    assert response.status_code == 302 and response["Location"].startswith("/comptes/")
    assert "connexion" not in response["Location"]


@pytest.mark.parametrize("name", sorted(PUBLIC_NAMES - {"public_confirmation"}))
def test_public_register_urls_are_open(client, name):
    route = dict(ROUTES)[name]
    assert client.get("/" + route).status_code == 200


def test_anonymous_and_volunteer_never_see_a_register_name(client, targets):
    entry_pk, batch_pk = targets
    name = "Wojciechowska"
    pages = ["/", "/inscription-registre/", "/demander-de-l-aide/", "/donnees-personnelles/", "/accessibilite/"]
    register_urls = [_url(route, entry_pk, batch_pk) for _, route in STAFF_ROUTES]
    # Searched in capitals: the login page may echo the typed query back in ?next=, but the
    # register's own spelling ("Wojciechowska") must never come out.
    searches = [
        f"/gestion/registre/?last_name={name.upper()}",
        "/gestion/registre/?phone=0199000001",
        f"/adresses/recherche/?q={name.upper()}",
        f"/gestion/habitants/?q={name.upper()}",
    ]

    def sweep():
        for url in pages + register_urls:
            response = client.get(url, follow=True)
            assert name.lower().encode() not in response.content.lower(), url
        for url in searches:
            assert name.encode() not in client.get(url, follow=True).content, url

    sweep()
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    sweep()
    for url in ["/mon-espace/", "/mon-espace/missions/"]:
        assert name.encode() not in client.get(url, follow=True).content
