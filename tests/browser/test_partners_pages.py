"""The partners' pages in Chromium: axe-core (no serious violation), no CSP error, the map drawn
by the static script from local Leaflet, the list usable on its own."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, main, new_page, staff_sign_in  # noqa: F401 (fixture)
from tests.factories import QuartierFactory, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.partners.models import OrganisationStatus

pytestmark = pytest.mark.browser


def _directory():
    quartier = QuartierFactory(name="Bords de Loire", code="loire")
    organisation = OrganisationFactory(name="Épicerie solidaire du Port", quartier=quartier)
    ServiceFactory(organisation=organisation, name="Colis du mardi", publics=["familles", "seniors"])
    ServiceFactory(
        organisation=OrganisationFactory(name="Atelier vélo", latitude=47.21, longitude=0.65),
        name="Réparation de vélos",
        thematiques=["mobilite--mobilite-douce-partagee-collective"],
    )
    return organisation


def test_public_map_list_organisation_and_proposal(page):  # noqa: F811
    organisation = _directory()
    page.goto("/cartographie/")
    expect(page.locator("#carte-etat")).to_have_text("2 service(s) placé(s) sur la carte.")
    expect(page.locator("#carte-partenaires canvas")).to_be_visible()  # markers are drawn on a canvas
    audit(page)
    main(page).get_by_label("Public").select_option("seniors")
    main(page).get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("heading", level=3)).to_have_text(["Colis du mardi"])
    expect(page.locator("#carte-etat")).to_have_text("1 service(s) placé(s) sur la carte.")
    page.get_by_role("link", name="Colis du mardi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation.name)
    audit(page)
    page.goto("/partenaires/proposer/")
    audit(page)
    main(page).get_by_role("button", name="Proposer la structure").click()
    expect(page.get_by_role("alert")).to_contain_text("erreur")
    audit(page)


def test_list_works_without_javascript(chromium_browser, live_server):  # noqa: F811
    _directory()
    context = chromium_browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page_without_js = context.new_page()
    page_without_js.goto("/cartographie/?thematique=mobilite")
    expect(page_without_js.get_by_role("heading", level=3)).to_have_text(["Réparation de vélos"])
    expect(page_without_js.locator("#carte-partenaires")).to_be_hidden()
    context.close()


def test_partner_space_and_coordinator_review(page, new_page):  # noqa: F811
    organisation = _directory()
    partner = partner_of(organisation, email="partenaire@exemple.org")
    assert partner.pk
    staff_sign_in(page, "partenaire@exemple.org")
    page.goto("/partenaires/espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text(organisation.name)
    audit(page)
    main(page).get_by_role("link", name="Ajouter un service").click()
    audit(page)
    main(page).get_by_label("Nom du service").fill("Petits déjeuners solidaires")
    main(page).get_by_label("Description").fill("Un petit déjeuner offert le samedi matin.")
    main(page).get_by_label("Alimentation", exact=True).check()
    main(page).get_by_label("Tous publics").check()
    main(page).get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("transmises au CCAS")
    expect(main(page).get_by_role("heading", name="En attente de validation")).to_be_visible()

    coordinator = staff_user(Role.COORDINATOR, email="coordination@exemple.org")
    assert coordinator.pk
    other = new_page()
    staff_sign_in(other, "coordination@exemple.org")
    other.goto("/gestion/partenaires/")
    audit(other)
    main(other).get_by_role("link", name="Modifications à examiner (1)").click()
    main(other).get_by_role("link", name=organisation.name).click()
    audit(other)
    main(other).get_by_role("button", name="Accepter et publier").click()
    expect(other.get_by_role("status").first).to_contain_text("décision est enregistrée")
    other.goto(f"/gestion/partenaires/{organisation.pk}/")
    audit(other)
    pending = OrganisationFactory(name="Collectif en attente", status=OrganisationStatus.PENDING)
    other.goto(f"/gestion/partenaires/{pending.pk}/")
    main(other).get_by_role("button", name="Valider et publier").click()
    expect(main(other).locator(".badge").first).to_have_text("Validée")
