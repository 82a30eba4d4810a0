"""Bad input on every form: a clear French message, nothing saved, never a 500."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory, login_staff, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.notifications.models import Message
from villesolidaire.partners import vocabulary
from villesolidaire.partners.forms import OrganisationForm, ServiceForm
from villesolidaire.partners.models import Organisation, OrganisationStatus, PendingChange, Service

PROPOSAL = {
    "name": "Repair café des Tilleuls",
    "type": "association",
    "description": "Réparer ensemble plutôt que jeter.",
    "address": "5 rue des Tilleuls",
    "postcode": "99001",
    "city": "Bourg-Solidaire",
    "opening_hours": "Sa 14:00-17:00",
    "first_name": "Sacha",
    "last_name": "Exemple",
    "account_email": "sacha@repair-exemple.fr",
    "publication_accepted": "on",
}
SERVICE = {
    "name": "Atelier réparation",
    "description": "Petits appareils et vêtements.",
    "type": "atelier",
    "thematiques": ["remobilisation--lien-social"],
    "publics": ["tous-publics"],
    "is_active": "on",
}


def test_public_proposal_creates_a_pending_entry_and_a_dormant_account(client):
    response = client.post(reverse("partners:propose"), PROPOSAL)
    assert response.status_code == 302 and response["Location"] == reverse("partners:propose_thanks")
    organisation = Organisation.objects.get()
    assert organisation.status == OrganisationStatus.PENDING
    assert organisation.transitions.get().to_status == OrganisationStatus.PENDING
    user = User.objects.get(email="sacha@repair-exemple.fr")
    assert user.has_role(Role.PARTNER) and not user.has_usable_password()
    assert organisation.contacts.get().name == "Sacha Exemple"
    assert Message.objects.get(recipient=user.email).kind == "partner_proposal"
    # Not public before validation.
    assert client.get(reverse("partners:public_organisation", args=[organisation.pk])).status_code == 404


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "Ab"}, "au moins 3 caractères"),
        ({"name": "Repair café."}, "ne doit pas se terminer par un point"),
        ({"type": "secte"}, "Sélectionnez un choix valide"),
        ({"siret": "1234"}, "Le SIRET compte 14 chiffres."),
        ({"rna": "X123"}, "W suivi de 9 chiffres"),
        ({"phone": "12"}, "Numéro de téléphone invalide"),
        ({"email": "contact@exemple.invalid"}, "non publiable"),
        ({"website": "pas une adresse"}, "Adresse web invalide"),
        ({"opening_hours": "tous les jours le matin"}, "Horaires au format OpenStreetMap"),
        ({"postcode": "ABCDE"}, "Code postal attendu"),
        ({"address": ""}, "Ce champ est obligatoire"),
        ({"account_email": "pas-un-email"}, "Adresse e-mail invalide"),
        ({"first_name": "R2D2"}, "Utilisez uniquement des lettres"),
        ({"publication_accepted": ""}, "Cochez cette case"),
        ({"website_confirmation": "spam"}, "doit rester vide"),
        ({"accessibility_url": "https://www.exemple.fr/accessibilite"}, "fiche du lieu sur Acceslibre"),
        ({"accessibility_url": "pas une adresse"}, "Adresse web invalide"),
        ({"description": "Texte\u200b invisible"}, "caractères invisibles"),
    ],
)
def test_bad_proposals_are_refused_with_a_message(client, changes, message):
    response = client.post(reverse("partners:propose"), {**PROPOSAL, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.exists() and not User.objects.exists()


def test_a_proposal_does_not_reveal_that_an_email_has_an_account(client):
    """Same answer as for a new address; the proposal is kept for the coordinator, no account is
    created or changed, and the owner of the address is told, once a day, without anything typed."""
    owner = UserFactory(email="sacha@repair-exemple.fr")
    new_address = client.post(reverse("partners:propose"), {**PROPOSAL, "account_email": "neuf@repair-exemple.fr"})
    known_address = client.post(reverse("partners:propose"), {**PROPOSAL, "name": "Repair café du Port"})

    assert (known_address.status_code, known_address["Location"]) == (new_address.status_code, new_address["Location"])
    organisation = Organisation.objects.get(name="Repair café du Port")
    assert organisation.status == OrganisationStatus.PENDING and not organisation.members.exists()
    assert "déjà un compte" in organisation.transitions.get().note
    assert organisation.contacts.get().email == owner.email
    assert User.objects.filter(email=owner.email).count() == 1 and not User.objects.get(pk=owner.pk).has_role(
        Role.PARTNER
    )
    notice = Message.objects.get(recipient=owner.email)
    assert notice.kind == "partner_proposal_known_address"
    assert "Repair" not in notice.body and "Sacha" not in notice.body

    client.post(reverse("partners:propose"), {**PROPOSAL, "name": "Repair café de la Gare"})
    assert Organisation.objects.count() == 3
    assert Message.objects.filter(recipient=owner.email).count() == 1


def test_a_proposal_racing_an_account_creation_is_kept(client, monkeypatch):
    """The e-mail is taken between the check and the insert: the proposal stays, without account."""
    from villesolidaire.partners import services

    real_partner_user = services._partner_user

    def taken_meanwhile(**kwargs):
        UserFactory(email=kwargs["email"])
        return real_partner_user(**kwargs)

    monkeypatch.setattr(services, "_partner_user", taken_meanwhile)
    response = client.post(reverse("partners:propose"), PROPOSAL)
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert not organisation.members.exists()
    assert Message.objects.get(recipient=PROPOSAL["account_email"]).kind == "partner_proposal_known_address"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"thematiques": []}, "Choisissez au moins une thématique."),
        ({"thematiques": ["inventee--valeur"]}, "Sélectionnez un choix valide"),
        ({"publics": ["tous-publics", "seniors"]}, "ne peut pas être choisi avec"),
        ({"publics": []}, "Choisissez au moins un public"),
        ({"description": "Bof"}, "au moins 5 caractères"),
        ({"opening_hours": "9h-12h"}, "Horaires au format OpenStreetMap"),
        ({"frais": "cher"}, "Sélectionnez un choix valide"),
        ({"modes_accueil": ["par-pigeon"]}, "Sélectionnez un choix valide"),
        ({"email": "x@y"}, "Adresse e-mail invalide"),
        ({"eligibility_zone": "Rennes, 35"}, "Code(s) non reconnu(s) : RENNES"),
        ({"eligibility_zone": "352380"}, "Code(s) non reconnu(s) : 352380"),
        ({"eligibility_zone": "35, 20"}, "Code(s) non reconnu(s) : 20"),  # Corsica is 2A and 2B
        ({"eligibility_zone": "35238, ３５２３８"}, "Code(s) non reconnu(s) : ３５２３８"),  # digits of 0-9 only
        ({"eligibility_zone": " ".join(str(35001 + n) for n in range(301))}, "300 codes au plus."),
        ({"mobilisable_par": ["voisins"]}, "Sélectionnez un choix valide"),
        ({"modes_mobilisation": ["utiliser-lien-mobilisation"]}, "Indiquez le lien pour en bénéficier"),
        ({"mobilisation_url": "ftp://association.fr/inscription"}, "Adresse web invalide"),
        ({"mobilisation_url": "pas une adresse"}, "Adresse web invalide"),
    ],
)
def test_bad_service_input_is_refused(client, changes, message):
    organisation = OrganisationFactory()
    login_staff(client, partner_of(organisation))
    response = client.post(reverse("partners:partner_service_create", args=[organisation.pk]), {**SERVICE, **changes})
    assert response.status_code == 200 and message in response.content.decode()
    assert not PendingChange.objects.exists() and not Service.objects.exists()


def test_bad_organisation_edit_by_a_partner_is_refused(client):
    organisation = OrganisationFactory(name="Nom d'origine")
    login_staff(client, partner_of(organisation))
    response = client.post(
        reverse("partners:partner_organisation_edit", args=[organisation.pk]),
        {"name": "", "type": "association", "address": "1 rue A"},
    )
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()
    assert not PendingChange.objects.exists()
    organisation.refresh_from_db()
    assert organisation.name == "Nom d'origine"


def test_coordinator_forms_refuse_bad_input(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.post(
        reverse("partners:organisation_create"),
        {
            "name": "Structure",
            "type": "association",
            "address": "1 rue A",
            "account_email": "a@exemple.fr",
        },
    )
    assert "Indiquez le prénom et le nom" in response.content.decode()
    assert not Organisation.objects.exists()
    organisation = OrganisationFactory(name="Intacte")
    response = client.post(
        reverse("partners:organisation_edit", args=[organisation.pk]),
        {"name": "X", "type": "association", "address": "1 rue A"},
    )
    assert "au moins 3 caractères" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == "Intacte"
    response = client.post(reverse("partners:organisation_add_account", args=[organisation.pk]), {"account_email": ""})
    assert response.status_code == 400


def test_coordinator_edit_applies_directly_and_geocodes_only_on_address_change(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    organisation = OrganisationFactory(name="Ancienne")
    data = {
        "name": "Nouvelle",
        "type": organisation.type,
        "address": organisation.address,
        "postcode": organisation.postcode,
        "city": organisation.city,
        "phone": "",
        "email": "",
    }
    client.post(reverse("partners:organisation_edit", args=[organisation.pk]), data)
    organisation.refresh_from_db()
    assert organisation.name == "Nouvelle" and organisation.is_located  # address untouched: still located
    client.post(reverse("partners:organisation_edit", args=[organisation.pk]), {**data, "address": "9 rue Nulle Part"})
    organisation.refresh_from_db()
    assert organisation.address == "9 rue Nulle Part" and not organisation.is_located


def test_thematique_checkboxes_are_grouped_by_catégorie():
    form = ServiceForm()
    groups = dict(form.thematique_groups)
    assert "Équipement et alimentation" in groups
    assert any(
        box.data["value"] == "equipement-et-alimentation--alimentation" for box in groups["Équipement et alimentation"]
    )
    assert sum(len(boxes) for boxes in groups.values()) == 69


def test_organisation_form_accepts_a_web_address_without_scheme():
    form = OrganisationForm(
        data={"name": "Structure", "type": "association", "address": "1 rue A", "website": "www.association.fr"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://www.association.fr"


def test_service_with_a_partial_own_address_is_kept_as_typed():
    service = ServiceFactory(address="")
    assert service.place == service.organisation


def test_siret_typed_with_spaces_is_kept_whole(client):
    client.post(reverse("partners:propose"), {**PROPOSAL, "siret": "123 456 789 00012"})
    assert Organisation.objects.get().siret == "12345678900012"


def test_an_unchanged_unpublishable_email_does_not_block_other_edits():
    organisation = OrganisationFactory(email="contact@exemple.invalid")
    data = OrganisationForm(instance=organisation).initial
    data = {key: value for key, value in data.items() if value is not None}
    form = OrganisationForm({**data, "description": "Nouvelle présentation de l'association."}, instance=organisation)
    assert form.is_valid(), form.errors
    changed = OrganisationForm({**data, "email": "autre@exemple.invalid"}, instance=organisation)
    assert not changed.is_valid() and "non publiable" in str(changed.errors["email"])


def test_a_service_email_is_published_too():
    form = ServiceForm({"email": "autre@exemple.invalid"})
    form.is_valid()
    assert "non publiable" in str(form.errors["email"])
    form = ServiceForm({"email": "Accueil@Exemple.fr"})
    form.is_valid()
    assert "email" not in form.errors and form.cleaned_data["email"] == "accueil@exemple.fr"


def test_a_public_proposal_is_announced_to_the_service(client):
    from tests.factories import TownFactory

    TownFactory(contact_email="ccas@bourg-solidaire.fr")
    client.post(reverse("partners:propose"), PROPOSAL)
    organisation = Organisation.objects.get()
    message = Message.objects.get(recipient="ccas@bourg-solidaire.fr")
    assert organisation.name in message.subject
    assert reverse("partners:organisation_detail", args=[organisation.pk]) in message.body


def test_the_data_inclusion_fields_of_a_service_are_saved_and_shown_again(client):
    organisation = OrganisationFactory(status=OrganisationStatus.PENDING)  # applied at once
    login_staff(client, partner_of(organisation))
    response = client.post(
        reverse("partners:partner_service_create", args=[organisation.pk]),
        {
            **SERVICE,
            "modes_mobilisation": ["utiliser-lien-mobilisation", "telephoner"],
            "mobilisable_par": ["usagers", "professionnels"],
            "mobilisation_url": "www.repair-exemple.fr/inscription",
            "eligibility_zone": "35238; 2a 971,  200039022 France 35238",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get()
    assert sorted(service.mobilisable_par) == ["professionnels", "usagers"]
    assert service.mobilisation_url == "https://www.repair-exemple.fr/inscription"
    assert service.eligibility_zone == ["35238", "2A", "971", "200039022", "france"]
    page = client.get(reverse("partners:partner_service_edit", args=[organisation.pk, service.pk])).content.decode()
    assert 'value="35238, 2A, 971, 200039022, france"' in page
    assert "Qui peut faire la demande" in page and "Zone d&#x27;éligibilité" in page


def test_an_empty_zone_stays_empty():
    form = ServiceForm({**SERVICE, "eligibility_zone": " "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["eligibility_zone"] == []


def test_the_accessibility_page_of_an_organisation(client):
    url = "https://acceslibre.beta.gouv.fr/app/35-rennes/a/association/erp/repair-cafe-des-tilleuls/"
    client.post(reverse("partners:propose"), {**PROPOSAL, "accessibility_url": url})
    organisation = Organisation.objects.get()
    assert organisation.accessibility_url == url
    organisation.status = OrganisationStatus.VALIDATED
    organisation.save()
    page = client.get(reverse("partners:public_organisation", args=[organisation.pk])).content.decode()
    assert f'href="{url}"' in page and "Accessibilité du lieu sur Acceslibre" in page


def test_an_imported_accessibility_page_elsewhere_does_not_block_other_edits():
    organisation = OrganisationFactory(accessibility_url="https://www.exemple.fr/accessibilite")
    data = {key: value for key, value in OrganisationForm(instance=organisation).initial.items() if value is not None}
    form = OrganisationForm({**data, "description": "Nouvelle présentation de l'association."}, instance=organisation)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "words, codes, unknown",
    [
        (
            ["35238", "2a004", "2b", "971", "200039022", "FRANCE", "99134"],
            ["35238", "2A004", "2B", "971", "200039022", "france", "99134"],
            [],
        ),
        (
            ["01", "19", "21", "95", "96", "20", "2C", "976", "979"],
            ["01", "19", "21", "95", "976"],
            ["96", "20", "2C", "979"],
        ),
        (["35", " 35 ", "", "abcde", "ABCDE"], ["35"], ["ABCDE"]),
    ],
)
def test_zone_codes_are_sorted_into_known_and_unknown_once_each(words, codes, unknown):
    zone = vocabulary.zone_codes(words)
    assert (zone.codes, zone.unknown) == (codes, unknown)


def test_who_may_ask_is_shown_by_its_label():
    service = Service(mobilisable_par=["professionnels", "voisins"])
    assert service.mobilisable_par_labels == [vocabulary.MOBILISABLE_PAR_LABELS["professionnels"], "voisins"]
    assert vocabulary.MOBILISABLE_PAR_LABELS["usagers"] != "usagers"
