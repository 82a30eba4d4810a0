"""Who sees what through the API: each scope × each endpoint, each role × each endpoint, other
partners' objects, objects outside the key's rights (404), and never the register."""

import pytest
from django.urls import get_resolver

from tests.factories import HelpRequestFactory, MissionFactory, ResidentFactory, SupportFactory, VolunteerFactory
from tests.factories.campaigns import campaign_for
from tests.factories.crises import EpisodeFactory
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory, ServiceFactory
from tests.factories.register import RegisterEntryFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.api.scopes import ALL_SCOPES, KINDS
from villesolidaire.audit.models import AuditEntry

# (kind, list path, whether the rows are personal data)
PRIVATE = [
    ("help_requests", "/api/v1/help-requests/", True),
    ("residents", "/api/v1/residents/", True),
    ("volunteers", "/api/v1/volunteers/", True),
    ("missions", "/api/v1/supports/", True),
    ("missions", "/api/v1/missions/", True),
    ("needs", "/api/v1/needs/", False),
    ("campaigns", "/api/v1/campaigns/", False),
]
PUBLIC = ["/api/v1/organisations/", "/api/v1/services/", "/api/v1/help-categories/"]
# Which roles see rows at each endpoint (the pages' rules: operators answer residents, coordinators
# run volunteers and supports, partners their own needs, desk roles the campaigns' counts).
SEES_ROWS = {
    "/api/v1/help-requests/": {Role.OPERATOR, Role.COORDINATOR},
    "/api/v1/residents/": {Role.OPERATOR, Role.COORDINATOR},
    "/api/v1/volunteers/": {Role.COORDINATOR},
    "/api/v1/supports/": {Role.COORDINATOR},
    "/api/v1/missions/": {Role.COORDINATOR},
    "/api/v1/needs/": {Role.COORDINATOR, Role.PARTNER},
    "/api/v1/campaigns/": {Role.COORDINATOR, Role.OPERATOR, Role.OFFICIAL},
}


@pytest.fixture
def town_data():
    """One row for every endpoint; the partner's organisation posts the need."""
    organisation = OrganisationFactory()
    ServiceFactory(organisation=organisation)
    mission = MissionFactory(support=SupportFactory(help_request=HelpRequestFactory()))
    need = NeedFactory(organisation=organisation)
    ShiftFactory(need=need)
    RegisterEntryFactory(last_name="Registrebis", phone="+33199009999")
    campaign_for(EpisodeFactory())
    return {"organisation": organisation, "mission": mission, "need": need}


@pytest.mark.parametrize(("kind", "path", "_personal"), PRIVATE)
def test_each_scope_opens_its_own_endpoints_only(api, town_data, kind, path, _personal):
    others = [scope for scope in ALL_SCOPES if not scope.startswith(f"{kind}:")]
    refused = api(scopes=others)
    response = refused.get(path)
    assert response.status_code == 403, response.content
    assert "droit" in response.json()["detail"]
    allowed = api(scopes=[f"{kind}:read"])
    assert allowed.get(path).status_code == 200
    writer = api(scopes=[f"{kind}:write"]) if f"{kind}:write" in ALL_SCOPES else None
    if writer is not None:  # writing includes reading
        assert writer.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/help-requests/", "/api/v1/residents/"])
def test_writing_needs_the_write_scope(api, path):
    reader = api(scopes=ALL_SCOPES - {f"{path.split('/')[3].replace('-', '_')}:write"})
    assert reader.post(path, {}).status_code == 403


def test_changing_a_volunteers_status_needs_the_write_scope(api):
    volunteer = VolunteerFactory()
    reader = api(scopes=ALL_SCOPES - {"volunteers:write"})
    response = reader.post(f"/api/v1/volunteers/{volunteer.pk}/status/", {"status": "active"})
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR, Role.PARTNER, Role.OFFICIAL])
@pytest.mark.parametrize(("_kind", "path", "_personal"), PRIVATE)
def test_each_role_sees_what_it_sees_on_the_pages(api, town_data, role, _kind, path, _personal):
    organisation = town_data["organisation"] if role == Role.PARTNER else None
    caller = api(role=role, organisation=organisation)
    response = caller.get(path)
    assert response.status_code == 200
    assert (response.json()["count"] > 0) == (role in SEES_ROWS[path]), response.json()


@pytest.mark.parametrize(("_kind", "path", "_personal"), PRIVATE)
def test_a_row_outside_the_keys_rights_is_a_404(api, town_data, _kind, path, _personal):
    owner = api(role=Role.COORDINATOR)
    row_id = owner.get(path).json()["results"][0]["id"]
    # A partner acting for another organisation: not its need, and nothing else of the town's.
    outsider = api(role=Role.PARTNER, organisation=OrganisationFactory())
    assert outsider.get(f"{path}{row_id}/").status_code == 404
    assert owner.get(f"{path}{row_id}/").status_code == 200


def test_a_partner_key_sees_its_own_needs_not_another_partners(api, town_data):
    theirs = NeedFactory(organisation=OrganisationFactory(), title="Besoin d'une autre association")
    caller = api(role=Role.PARTNER, organisation=town_data["organisation"])
    titles = [need["title"] for need in caller.get("/api/v1/needs/").json()["results"]]
    assert titles == [town_data["need"].title]
    assert caller.get(f"/api/v1/needs/{theirs.pk}/").status_code == 404
    assert caller.get(f"/api/v1/needs/{town_data['need'].pk}/").status_code == 200


@pytest.mark.parametrize("path", PUBLIC)
def test_the_public_directory_needs_no_key(api, town_data, path):
    response = api(token=None).get(path)
    assert response.status_code == 200 and response.json()["count"] >= 1
    assert not AuditEntry.objects.filter(detail__startswith="Clé d'API").exists()


def test_the_public_directory_shows_only_validated_organisations(api):
    OrganisationFactory(name="Association en attente", status="proposed")
    names = [row["name"] for row in api(token=None).get("/api/v1/organisations/").json()["results"]]
    assert "Association en attente" not in names


@pytest.mark.parametrize(("_kind", "path", "personal"), PRIVATE)
def test_every_read_of_personal_data_is_journaled_with_the_keys_name(api, town_data, _kind, path, personal):
    caller = api(role=Role.COORDINATOR, name="Logiciel du CCAS")
    rows = caller.get(path).json()["results"]
    caller.get(f"{path}{rows[0]['id']}/")
    entries = AuditEntry.objects.filter(actor=caller.key.account).exclude(object_type="api.ApiKey")
    if not personal:
        assert not entries.exists()
        return
    listed, viewed = entries.order_by("pk")
    assert listed.action == "list" and "Clé d'API « Logiciel du CCAS »" in listed.detail
    assert f"n° {rows[0]['id']}" in listed.detail
    assert viewed.action == "view" and viewed.object_id == str(rows[0]["id"])
    assert "Logiciel du CCAS" in viewed.detail


def test_no_endpoint_reaches_the_register(api, town_data, client):
    # No route of the API names the register, and its description has no such path.
    api_routes = [str(pattern.pattern) for pattern in get_resolver().url_patterns]
    schema = client.get("/api/v1/openapi.json").json()
    assert not [path for path in schema["paths"] if "regist" in path]
    assert all("regist" not in route for route in api_routes if "api" in route)
    assert not [kind for kind in KINDS if "regist" in kind.code]
    # A person on the register is not a resident file: not found by phone, not in any answer.
    caller = api(role=Role.COORDINATOR)
    assert caller.get("/api/v1/residents/", {"phone": "01 99 00 99 99"}).json()["count"] == 0
    for _kind, path, _personal in PRIVATE:
        assert "Registrebis" not in caller.get(path).content.decode()


def test_residents_are_found_by_phone_however_it_is_written(api):
    resident = ResidentFactory(phone="+33199001234", with_mobile=True)
    ResidentFactory(phone="+33199005678")
    caller = api(role=Role.OPERATOR)
    for typed in ("01 99 00 12 34", "+33 1 99 00 12 34", "0199001234", resident.mobile.as_national):
        found = caller.get("/api/v1/residents/", {"phone": typed}).json()
        assert [row["id"] for row in found["results"]] == [resident.pk], typed
    assert caller.get("/api/v1/residents/", {"phone": "pas un numéro"}).json()["count"] == 0


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.PARTNER])
def test_keys_of_roles_that_do_not_answer_residents_find_nobody(api, role):
    resident = ResidentFactory(phone="+33199001234")
    organisation = OrganisationFactory() if role == Role.PARTNER else None
    caller = api(role=role, organisation=organisation)
    assert caller.get("/api/v1/residents/", {"phone": "0199001234"}).json()["count"] == 0
    assert caller.get(f"/api/v1/residents/{resident.pk}/").status_code == 404
