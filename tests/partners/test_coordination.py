"""Coordinators: list, create with a partner account, validate/suspend, review held changes."""

import re

import pytest
from django.core import mail  # noqa: F401  (messages go through the notifications queue)
from django.urls import reverse

from tests.factories import staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.notifications.models import Message
from villesolidaire.partners import services
from villesolidaire.partners.models import (
    ChangeStatus,
    Organisation,
    OrganisationStatus,
    PendingChange,
    Service,
)


def test_list_filters_and_counts_without_growing_queries(client, coordinator, django_assert_max_num_queries):
    OrganisationFactory(name="Épicerie du Pont")
    with django_assert_max_num_queries(12):
        first = client.get(reverse("partners:organisation_list"))
    assert "Épicerie du Pont" in first.content.decode()
    for index in range(30):
        status = OrganisationStatus.PENDING if index % 2 else OrganisationStatus.VALIDATED
        organisation = OrganisationFactory(status=status)
        ServiceFactory(organisation=organisation)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:organisation_list"), {"status": "pending"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 15
    bad = client.get(reverse("partners:organisation_list"), {"status": "n'importe quoi", "quartier": "abc"})
    assert bad.status_code == 200  # invalid filters are reported on the form, never a 500


def test_pending_changes_filter(client, coordinator):
    with_change = OrganisationFactory(name="Avec modification")
    OrganisationFactory(name="Sans modification")
    services.organisation_submit(organisation=with_change, values={"name": "Nouveau"}, by=coordinator)
    response = client.get(reverse("partners:organisation_list"), {"pending_changes": "true"})
    names = [o.name for o in response.context["page_obj"]]
    assert names == ["Avec modification"]


def test_coordinator_creates_an_organisation_and_invites_its_partner(client, coordinator):
    response = client.post(
        reverse("partners:organisation_create"),
        {
            "name": "Banque de vêtements du Centre",
            "type": "association",
            "description": "Vêtements pour tous.",
            "address": "3 rue Inconnue",
            "postcode": "99001",
            "city": "Bourg-Solidaire",
            "first_name": "Alix",
            "last_name": "Martin",
            "account_email": "alix@association-exemple.fr",
        },
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert organisation.status == OrganisationStatus.VALIDATED
    assert organisation.address == "3 rue Inconnue" and not organisation.is_located  # kept as typed
    user = User.objects.get(email="alix@association-exemple.fr")
    assert user.has_role(Role.PARTNER) and not user.has_usable_password()
    assert Organisation.objects.of_user(user).get() == organisation
    invitation = Message.objects.get(recipient="alix@association-exemple.fr")
    assert "/partenaires/mot-de-passe/" not in invitation.body  # stored with a placeholder
    link = re.search(r"http\S+/partenaires/mot-de-passe/\S+/", invitation.outgoing_body()).group(0)
    path = link.split("8000", 1)[-1] if "8000" in link else "/" + link.split("/", 3)[3]
    # The invitation link is Django's password reset: set a password, then sign in.
    setup = client.get(path, follow=True)
    assert setup.status_code == 200 and "new_password1" in setup.content.decode()
    done = client.post(
        setup.redirect_chain[-1][0],
        {"new_password1": "un-mot-de-passe-solide-2026", "new_password2": "un-mot-de-passe-solide-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un-mot-de-passe-solide-2026")
    # Used once: the link no longer works.
    assert "plus valable" in client.get(path, follow=True).content.decode()


def test_invitation_link_does_not_reset_other_accounts(client):
    from villesolidaire.partners.services import password_setup_url

    coordinator = staff_user(Role.COORDINATOR)
    path = "/" + password_setup_url(coordinator).split("/", 3)[3]
    assert client.get(path, follow=True).status_code == 404
    set_password = path.rsplit("/", 2)[0] + "/set-password/"
    response = client.post(
        set_password, {"new_password1": "autre-mot-de-passe-2026", "new_password2": "autre-mot-de-passe-2026"}
    )
    assert response.status_code == 404
    coordinator.refresh_from_db()
    assert coordinator.check_password("motdepasse-de-test")


def test_validation_invites_the_accounts_of_a_proposal(client, coordinator):
    organisation = OrganisationFactory(status=OrganisationStatus.PENDING)
    waiting = partner_of(organisation)
    waiting.set_unusable_password()
    waiting.save()
    response = client.post(reverse("partners:organisation_status", args=[organisation.pk]), {"action": "validate"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.VALIDATED
    transition = organisation.transitions.get()
    assert transition.by == coordinator and transition.to_status == OrganisationStatus.VALIDATED
    assert Message.objects.filter(recipient=waiting.email, kind="partner_invitation").count() == 1


def test_suspension_needs_a_reason_and_hides_the_entry(client, coordinator):
    organisation = OrganisationFactory()
    ServiceFactory(organisation=organisation, name="Service à cacher")
    url = reverse("partners:organisation_status", args=[organisation.pk])
    response = client.post(url, {"action": "suspend"})
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    client.post(url, {"action": "suspend", "reason": "Plus d'activité"})
    organisation.refresh_from_db()
    assert organisation.status == OrganisationStatus.SUSPENDED
    assert "Service à cacher" not in client.get(reverse("partners:map")).content.decode()


def test_impossible_transition_is_refused_with_a_message(client, coordinator):
    organisation = OrganisationFactory()
    response = client.post(reverse("partners:organisation_status", args=[organisation.pk]), {"action": "validate"})
    assert response.status_code == 400 and "Passage impossible" in response.content.decode()
    response = client.post(reverse("partners:organisation_status", args=[organisation.pk]), {"action": "pirater"})
    assert response.status_code == 400


def test_approving_a_change_applies_it_and_logs_who(client, coordinator):
    organisation = OrganisationFactory(name="Ancien nom")
    partner = partner_of(organisation)
    change = services.organisation_submit(
        organisation=organisation, values={"name": "Nouveau nom", "address": ""}, by=partner
    )
    page = client.get(reverse("partners:change_review", args=[change.pk]))
    assert "Ancien nom" in page.content.decode() and "Nouveau nom" in page.content.decode()
    response = client.post(reverse("partners:change_review", args=[change.pk]), {"decision": "approve"})
    assert response.status_code == 302
    change.refresh_from_db()
    organisation.refresh_from_db()
    assert organisation.name == "Nouveau nom" and not organisation.is_located
    assert change.status == ChangeStatus.APPROVED and change.decided_by == coordinator and change.decided_at
    assert Message.objects.filter(recipient=partner.email, kind="partner_change_decided").exists()
    # Decided once: a second decision is refused.
    again = client.post(reverse("partners:change_review", args=[change.pk]), {"decision": "reject", "reason": "x"})
    assert again.status_code == 400 and "Passage impossible" in again.content.decode()


def test_rejecting_needs_a_reason_and_changes_nothing(client, coordinator):
    service = ServiceFactory(name="Nom validé")
    change = services.service_submit(
        organisation=service.organisation, service=service, values={"name": "Nom refusé"}, by=coordinator
    )
    url = reverse("partners:change_review", args=[change.pk])
    assert client.post(url, {"decision": "reject"}).status_code == 400
    client.post(url, {"decision": "reject", "reason": "Nom trompeur"})
    change.refresh_from_db()
    service.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and change.decision_reason == "Nom trompeur"
    assert service.name == "Nom validé"


def test_approving_a_new_service_publishes_it(coordinator):
    organisation = OrganisationFactory()
    change = services.service_submit(
        organisation=organisation,
        service=None,
        by=coordinator,
        values={
            "name": "Jardin partagé",
            "description": "Des parcelles à cultiver ensemble.",
            "thematiques": [],
            "publics": ["tous-publics"],
            "is_active": True,
            "address": "",
        },
    )
    assert not Service.objects.exists()
    services.change_decide(change=change, approve=True, by=coordinator)
    service = Service.objects.public().get()
    assert service.name == "Jardin partagé" and service.place == organisation
    change.refresh_from_db()
    assert change.service == service


def test_a_change_is_decided_only_once(coordinator):
    organisation = OrganisationFactory()
    change = services.organisation_submit(organisation=organisation, values={"name": "Autre"}, by=coordinator)
    services.change_decide(change=change, approve=False, by=coordinator, reason="Non")
    with pytest.raises(TransitionNotAllowed):
        services.change_decide(change=change, approve=True, by=coordinator)
    assert PendingChange.objects.get().status == ChangeStatus.REJECTED


def test_add_account_refuses_an_existing_email(client, coordinator):
    organisation = OrganisationFactory()
    response = client.post(
        reverse("partners:organisation_add_account", args=[organisation.pk]),
        {
            "first_name": "Dom",
            "last_name": "Exemple",
            "account_email": coordinator.email,
        },
    )
    assert response.status_code == 400 and "existe déjà" in response.content.decode()
    assert not organisation.members.exists()


def test_detail_and_change_list_pages(client, coordinator):
    organisation = OrganisationFactory(name="Fiche détaillée")
    ServiceFactory(organisation=organisation, name="Un service")
    services.organisation_submit(organisation=organisation, values={"name": "Modif"}, by=coordinator)
    detail = client.get(reverse("partners:organisation_detail", args=[organisation.pk])).content.decode()
    assert "Fiche détaillée" in detail and "Un service" in detail
    listing = client.get(reverse("partners:change_list")).content.decode()
    assert "Fiche détaillée" in listing
