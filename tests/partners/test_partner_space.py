"""A partner manages only its own entry and services; others get 404, never another's data."""

import pytest
from django.urls import reverse

from tests.factories import VolunteerFactory, login_staff, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.partners import services
from villesolidaire.partners.models import ChangeKind, Organisation, OrganisationStatus, PendingChange, Service

SERVICE_POST = {
    "name": "Atelier cuisine",
    "description": "Cuisiner ensemble avec des produits de saison.",
    "type": "atelier",
    "thematiques": ["equipement-et-alimentation--alimentation"],
    "publics": ["tous-publics"],
    "modes_accueil": ["en-presentiel"],
    "opening_hours": "We 14:00-17:00",
    "is_active": "on",
}


def _org_post(organisation, **changes):
    data = {
        "name": organisation.name,
        "type": organisation.type,
        "description": organisation.description,
        "address": organisation.address,
        "postcode": organisation.postcode,
        "city": organisation.city,
        "phone": "+33199001234",
        "email": organisation.email,
        "opening_hours": organisation.opening_hours,
    }
    data.update(changes)
    return data


@pytest.fixture
def own():
    organisation = OrganisationFactory()
    return organisation, partner_of(organisation)


def _other_urls(other, other_service):
    return [
        reverse("partners:partner_organisation", args=[other.pk]),
        reverse("partners:partner_organisation_edit", args=[other.pk]),
        reverse("partners:partner_service_create", args=[other.pk]),
        reverse("partners:partner_service_edit", args=[other.pk, other_service.pk]),
        reverse("partners:partner_contact_add", args=[other.pk]),
    ]


def test_partner_sees_its_own_organisation(client, own):
    organisation, partner = own
    ServiceFactory(organisation=organisation, name="Notre épicerie")
    login_staff(client, partner)
    response = client.get(reverse("partners:partner_home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "partners:partner_organisation", args=[organisation.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Notre épicerie" in page.content.decode()


def test_another_partners_organisation_and_services_are_404(client, own):
    _organisation, partner = own
    other = OrganisationFactory(name="Structure voisine")
    other_service = ServiceFactory(organisation=other)
    login_staff(client, partner)
    for url in _other_urls(other, other_service):
        assert client.get(url).status_code == 404, url
        assert client.post(url, SERVICE_POST).status_code == 404, url
    assert not PendingChange.objects.exists()
    # A service of another organisation under one's own organisation's URL: 404 too.
    url = reverse("partners:partner_service_edit", args=[_organisation.pk, other_service.pk])
    assert client.get(url).status_code == 404


def test_contact_of_another_organisation_cannot_be_removed(client, own):
    organisation, partner = own
    other = OrganisationFactory()
    contact = other.contacts.create(name="Personne Ailleurs", phone="+33199000001")
    login_staff(client, partner)
    own_url = reverse("partners:partner_contact_delete", args=[organisation.pk, contact.pk])
    assert client.post(own_url).status_code == 404
    assert client.post(reverse("partners:partner_contact_delete", args=[other.pk, contact.pk])).status_code == 404
    assert other.contacts.count() == 1


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.OPERATOR])
def test_partner_space_is_only_for_partners(client, own, role):
    organisation, _partner = own
    login_staff(client, staff_user(role))
    assert client.get(reverse("partners:partner_organisation", args=[organisation.pk])).status_code == 404


def test_volunteer_and_anonymous_are_kept_out_of_the_partner_space(client, own):
    organisation, _partner = own
    url = reverse("partners:partner_organisation", args=[organisation.pk])
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(VolunteerFactory(active=True).user)
    assert client.get(url).status_code == 404


def test_partner_without_second_factor_is_sent_to_verification(client, own):
    organisation, partner = own
    client.force_login(partner)
    response = client.get(reverse("partners:partner_organisation", args=[organisation.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))


def test_edit_of_a_validated_entry_is_held_until_reviewed(client, own):
    organisation, partner = own
    login_staff(client, partner)
    response = client.post(
        reverse("partners:partner_organisation_edit", args=[organisation.pk]),
        _org_post(organisation, name="Nouveau nom de la structure"),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name != "Nouveau nom de la structure"  # the public entry is unchanged
    change = PendingChange.objects.get()
    assert change.kind == ChangeKind.ORGANISATION and change.proposed["name"] == "Nouveau nom de la structure"
    assert change.submitted_by == partner
    # The form shows the pending values; a second edit replaces them (still one change).
    page = client.get(reverse("partners:partner_organisation_edit", args=[organisation.pk])).content.decode()
    assert "Nouveau nom de la structure" in page
    client.post(
        reverse("partners:partner_organisation_edit", args=[organisation.pk]),
        _org_post(organisation, name="Troisième nom"),
    )
    assert PendingChange.objects.get().proposed["name"] == "Troisième nom"


def test_edit_of_a_pending_entry_is_applied_at_once(client):
    organisation = OrganisationFactory(status=OrganisationStatus.PENDING)
    partner = partner_of(organisation)
    login_staff(client, partner)
    client.post(
        reverse("partners:partner_organisation_edit", args=[organisation.pk]),
        _org_post(organisation, name="Nom corrigé"),
    )
    organisation.refresh_from_db()
    assert organisation.name == "Nom corrigé" and not PendingChange.objects.exists()


def test_new_service_of_a_validated_organisation_waits_for_review(client, own):
    organisation, partner = own
    login_staff(client, partner)
    response = client.post(reverse("partners:partner_service_create", args=[organisation.pk]), SERVICE_POST)
    assert response.status_code == 302
    assert not Service.objects.exists()
    change = PendingChange.objects.get()
    assert change.kind == ChangeKind.SERVICE_CREATE and change.proposed["thematiques"] == SERVICE_POST["thematiques"]


def test_service_edit_is_held_and_the_public_keeps_the_validated_version(client, own):
    organisation, partner = own
    service = ServiceFactory(organisation=organisation, name="Version publiée")
    login_staff(client, partner)
    client.post(
        reverse("partners:partner_service_edit", args=[organisation.pk, service.pk]),
        {**SERVICE_POST, "name": "Version proposée"},
    )
    service.refresh_from_db()
    assert service.name == "Version publiée"
    assert PendingChange.objects.get().service == service
    page = client.get(reverse("partners:map")).content.decode()
    assert "Version publiée" in page and "Version proposée" not in page


def test_partner_adds_and_removes_contacts(client, own):
    organisation, partner = own
    login_staff(client, partner)
    response = client.post(
        reverse("partners:partner_contact_add", args=[organisation.pk]),
        {"name": "Camille Exemple", "function": "Trésorière", "phone": "02 99 00 00 01"},
    )
    assert response.status_code == 302
    contact = organisation.contacts.get()
    assert contact.phone.as_e164 == "+33299000001"
    client.post(reverse("partners:partner_contact_delete", args=[organisation.pk, contact.pk]))
    assert not organisation.contacts.exists()


def test_contact_needs_a_phone_or_an_email(client, own):
    organisation, partner = own
    login_staff(client, partner)
    response = client.post(reverse("partners:partner_contact_add", args=[organisation.pk]), {"name": "Sans moyen"})
    assert response.status_code == 200
    assert "Indiquez au moins un téléphone ou un e-mail." in response.content.decode()
    assert not organisation.contacts.exists()


def test_suspended_organisation_is_not_public(client):
    organisation = OrganisationFactory(status=OrganisationStatus.SUSPENDED)
    ServiceFactory(organisation=organisation, name="Service suspendu")
    assert client.get(reverse("partners:public_organisation", args=[organisation.pk])).status_code == 404
    assert "Service suspendu" not in client.get(reverse("partners:map")).content.decode()
    assert Organisation.objects.validated().count() == 0


def test_taking_a_service_off_the_map_is_immediate(client, own):
    organisation, partner = own
    service = ServiceFactory(organisation=organisation, name="Fermé pour l'été")
    login_staff(client, partner)
    data = {
        **SERVICE_POST,
        "name": service.name,
        "description": service.description,
        "thematiques": service.thematiques,
        "publics": service.publics,
        "type": service.type,
        "modes_accueil": service.modes_accueil,
        "opening_hours": "",
    }
    data.pop("is_active")
    client.post(reverse("partners:partner_service_edit", args=[organisation.pk, service.pk]), data)
    service.refresh_from_db()
    assert not service.is_active
    assert not PendingChange.objects.exists()  # nothing else changed: nothing to review
    assert "Fermé pour l" not in client.get(reverse("partners:map")).content.decode()
    # Putting it back on the map is reviewed.
    client.post(
        reverse("partners:partner_service_edit", args=[organisation.pk, service.pk]), {**data, "is_active": "on"}
    )
    service.refresh_from_db()
    assert not service.is_active and PendingChange.objects.get().proposed["is_active"] is True


def test_submitting_the_published_values_withdraws_the_waiting_change(client, own):
    organisation, partner = own
    login_staff(client, partner)
    url = reverse("partners:partner_organisation_edit", args=[organisation.pk])
    client.post(url, _org_post(organisation, name="Nom provisoire"))
    assert PendingChange.objects.count() == 1
    response = client.post(url, _org_post(organisation), follow=True)
    assert not PendingChange.objects.exists()
    assert "Aucune modification" in response.content.decode()


def test_the_data_inclusion_fields_of_a_held_service_edit_are_reviewed_then_applied(client, own):
    organisation, partner = own
    service = ServiceFactory(organisation=organisation, name="Permanence")
    login_staff(client, partner)
    client.post(
        reverse("partners:partner_service_edit", args=[organisation.pk, service.pk]),
        {
            **SERVICE_POST,
            "name": "Permanence",
            "mobilisable_par": ["professionnels"],
            "modes_mobilisation": ["utiliser-lien-mobilisation"],
            "mobilisation_url": "https://www.association-exemple.fr/orienter",
            "eligibility_zone": "35, 200039022",
        },
    )
    change = PendingChange.objects.get()
    assert change.proposed["eligibility_zone"] == ["35", "200039022"]
    assert change.proposed["mobilisable_par"] == ["professionnels"]
    coordinator = staff_user(Role.COORDINATOR)
    login_staff(client, coordinator)
    page = client.get(reverse("partners:change_review", args=[change.pk])).content.decode()
    assert "Qui peut faire la demande" in page and "Professionnels" in page and "35, 200039022" in page
    services.change_decide(change=change, approve=True, by=coordinator)
    service.refresh_from_db()
    assert service.eligibility_zone == ["35", "200039022"] and service.mobilisable_par == ["professionnels"]
    assert service.mobilisation_url == "https://www.association-exemple.fr/orienter"
