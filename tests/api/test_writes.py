"""Writes through the API: the pages' forms validate, the apps' services act, errors come back in
French with field paths, nothing is half-saved and no input gives a 500."""

import pytest

from tests.factories import HelpRequestFactory, ResidentFactory, VolunteerFactory
from tests.factories.partners import OrganisationFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.api.models import API_ROLES
from villesolidaire.api.scopes import ALL_SCOPES, unusable_writes
from villesolidaire.help_requests.enums import Status
from villesolidaire.help_requests.models import HelpRequest, HelpRequestTransition
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status as VolunteerStatus

REQUESTS = "/api/v1/help-requests/"
RESIDENTS = "/api/v1/residents/"
NEW_PERSON = {"first_name": "Jeanne", "last_name": "Durand", "birth_year": 1938, "phone": "06 12 34 56 78"}


def errors_by_field(response) -> dict:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


@pytest.fixture
def operator_api(api):
    return api(role=Role.OPERATOR, scopes=["help_requests:write", "residents:write"], name="Standard téléphonique")


def test_a_request_for_a_new_person_creates_both(operator_api, category):
    payload = {"new_resident": NEW_PERSON, "category": category.slug, "description": "Courses de la semaine."}
    response = operator_api.post(REQUESTS, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"{REQUESTS}{body['id']}/"
    assert body["status"] == Status.NEW and body["category"] == category.slug and body["channel"] == "hotline"
    help_request = HelpRequest.objects.select_related("resident").get()
    assert (help_request.resident.last_name, help_request.resident.mobile.as_e164) == ("Durand", "+33612345678")
    # Logged as the key's account, like an operator's intake.
    transition = HelpRequestTransition.objects.get()
    assert transition.by == operator_api.key.account and help_request.created_by == operator_api.key.account


def test_a_request_for_an_existing_file(operator_api, category):
    resident = ResidentFactory()
    payload = {"resident": resident.pk, "category": category.slug, "description": "Pharmacie.", "urgency": "high"}
    response = operator_api.post(REQUESTS, payload)
    assert response.status_code == 201, response.content
    assert response.json()["resident"]["id"] == resident.pk and Resident.objects.count() == 1


def test_a_new_file_like_an_existing_one_asks_for_a_confirmation(operator_api, category):
    ResidentFactory(first_name="Jeanne", last_name="Durand", mobile="+33612345678")
    payload = {"new_resident": NEW_PERSON, "category": category.slug, "description": "Courses."}
    refused = operator_api.post(REQUESTS, payload)
    assert refused.status_code == 400
    assert "Une fiche existe déjà pour Jeanne Durand" in errors_by_field(refused)["new_resident"]
    assert not HelpRequest.objects.exists() and Resident.objects.count() == 1
    confirmed = operator_api.post(REQUESTS, {**payload, "new_resident": {**NEW_PERSON, "confirm_new": True}})
    assert confirmed.status_code == 201 and Resident.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"category": "inconnue"}, "category", "Catégorie inconnue"),
        ({"description": ""}, "description", "Ce champ ne peut être vide."),
        ({"urgency": "demain"}, "urgency", "n'est pas un choix valide"),
        ({"new_resident": {**NEW_PERSON, "phone": "12"}}, "new_resident.phone", "numéro"),
        ({"new_resident": {"first_name": "Jeanne"}}, "new_resident", "au moins son nom ou son téléphone"),
        ({"resident": 999999, "new_resident": None}, "resident", "n'existe plus"),
        ({"wished_start": "2026-13-45"}, "wished_start", "date"),
        ({"estimated_amount": "-3"}, "estimated_amount", "négatif"),
        ({"constraints": ["inconnue"]}, "constraints.0", "n'est pas un choix valide"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(operator_api, category, change, field, message):
    payload = {"new_resident": NEW_PERSON, "category": category.slug, "description": "Courses.", **change}
    payload = {name: value for name, value in payload.items() if value is not None}
    response = operator_api.post(REQUESTS, payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Certaines valeurs sont invalides."
    errors = errors_by_field(response)
    assert field in errors and message.lower() in errors[field].lower(), errors
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["pas du JSON", "[1, 2]", "null", '{"description": ' + '"x" ' * 3 + "}", '"texte"', "{" * 1000, b"\xff\xfe"],
)
def test_malformed_bodies_are_400s_never_500s(operator_api, body):
    response = operator_api.post(REQUESTS, body)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_a_huge_text_is_refused_not_truncated(operator_api, category):
    payload = {"new_resident": NEW_PERSON, "category": category.slug, "description": "x" * 5000}
    response = operator_api.post(REQUESTS, payload)
    assert response.status_code == 400 and "description" in errors_by_field(response)


def test_transitions_follow_the_workflow(operator_api):
    help_request = HelpRequestFactory(resident=ResidentFactory())
    path = f"{REQUESTS}{help_request.pk}/transition/"
    qualified = operator_api.post(path, {"target": "qualified", "note": "Rappelée, besoin confirmé."})
    assert qualified.status_code == 200 and qualified.json()["status"] == "qualified"
    skipped = operator_api.post(path, {"target": "supported"})
    assert skipped.status_code == 400 and "target" in errors_by_field(skipped)
    no_reason = operator_api.post(path, {"target": "closed"})
    assert no_reason.status_code == 400 and "closure_reason" in errors_by_field(no_reason)
    closed = operator_api.post(path, {"target": "closed", "closure_reason": "cancelled"})
    assert closed.status_code == 200 and closed.json()["allowed_transitions"] == []
    log = list(HelpRequestTransition.objects.filter(help_request=help_request).order_by("pk"))
    assert [row.to_status for row in log] == ["qualified", "closed"]
    assert {row.by for row in log} == {operator_api.key.account}


def test_a_transition_on_a_request_the_key_cannot_see_is_a_404(api):
    help_request = HelpRequestFactory()
    official = api(role=Role.OFFICIAL, scopes=["help_requests:write"])
    assert official.post(f"{REQUESTS}{help_request.pk}/transition/", {"target": "qualified"}).status_code == 404
    assert HelpRequest.objects.get().status == Status.NEW


def test_a_key_whose_role_cannot_take_requests_is_refused(api, category):
    official = api(role=Role.OFFICIAL, scopes=["help_requests:write"])
    payload = {"new_resident": NEW_PERSON, "category": category.slug, "description": "Courses."}
    response = official.post(REQUESTS, payload)
    assert response.status_code == 403 and "rôle" in response.json()["detail"]


def test_a_resident_file_is_created_like_at_the_hotline(operator_api):
    response = operator_api.post(RESIDENTS, {**NEW_PERSON, "address": "3 Place du Marché", "city": "Bourg"})
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == "+33612345678" and response.json()["phone"] is None
    again = operator_api.post(RESIDENTS, NEW_PERSON)
    assert (
        again.status_code == 400 and "Une fiche existe déjà" in errors_by_field(again)[""]
    )  # the whole file, not one field
    assert Resident.objects.count() == 1


def test_a_coordinator_key_changes_a_volunteers_status_through_the_workflow(api):
    volunteer = VolunteerFactory()
    coordinator = api(role=Role.COORDINATOR, scopes=["volunteers:write"])
    path = f"/api/v1/volunteers/{volunteer.pk}/status/"
    validated = coordinator.post(path, {"status": "active", "reason": "Entretien fait."})
    assert validated.status_code == 200 and validated.json()["status"] == VolunteerStatus.ACTIVE
    same = coordinator.post(path, {"status": "active"})
    assert same.status_code == 400 and "status" in errors_by_field(same)
    unknown = coordinator.post(path, {"status": "boss"})
    assert unknown.status_code == 400


def test_every_error_comes_back_at_once(operator_api):
    payload = {"new_resident": {**NEW_PERSON, "phone": "12"}, "category": "inconnue", "description": "Courses."}
    errors = errors_by_field(operator_api.post(REQUESTS, payload))
    assert "Catégorie inconnue" in errors["category"] and "new_resident.phone" in errors


@pytest.mark.parametrize(
    ("body", "message"),
    [("pas du JSON", "Corps de requête illisible : un objet JSON est attendu."), ("null", "Aucune donnée reçue")],
)
def test_unreadable_bodies_are_told_in_french(operator_api, body, message):
    response = operator_api.post(REQUESTS, body)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text and "JSON parse error" not in text and "No data" not in text


def test_a_row_out_of_reach_is_a_french_404_naming_no_model(api):
    response = api(role=Role.OPERATOR).get(f"{REQUESTS}999999/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Introuvable") and "HelpRequest" not in response.content.decode()


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("scope", sorted(scope for scope in ALL_SCOPES if scope.endswith(":write")))
def test_the_key_form_gives_a_write_scope_to_the_roles_the_endpoints_let_write(api, role, scope):
    """scopes.may_write is the endpoints' own check: a role the key form refuses a write scope is
    refused by every write of that kind (403, or 404 on a row it cannot read), and a role it allows
    gets past the role's check to the body's (an empty body: 400)."""
    help_request, volunteer = HelpRequestFactory(), VolunteerFactory()
    writes = {
        "help_requests": [REQUESTS, f"{REQUESTS}{help_request.pk}/transition/"],
        "residents": [RESIDENTS],
        "telephony": ["/api/v1/telephony/generic/calls/"],
        "volunteers": [f"/api/v1/volunteers/{volunteer.pk}/status/"],
    }
    organisation = OrganisationFactory() if role == Role.PARTNER else None
    caller = api(role=role, scopes=[scope], organisation=organisation)
    allowed = not unusable_writes([scope], role)
    for path in writes[scope.split(":")[0]]:
        status = caller.post(path, {}).status_code
        assert (status == 400) if allowed else (status in (403, 404)), (role, path, status)


def test_who_may_write_what():
    writes = sorted(scope for scope in ALL_SCOPES if scope.endswith(":write"))
    usable = {role: [scope for scope in writes if not unusable_writes([scope], role)] for role in API_ROLES}
    assert usable == {
        Role.COORDINATOR: ["help_requests:write", "residents:write", "telephony:write", "volunteers:write"],
        Role.OPERATOR: ["help_requests:write", "residents:write", "telephony:write"],
        Role.PARTNER: [],
        Role.OFFICIAL: [],
    }
