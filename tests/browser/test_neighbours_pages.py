"""axe-core and CSP over the neighbour-network pages, coordinator and referent sides, and the
referent's alert filled in from a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, main, staff_sign_in
from tests.factories import HelpCategoryFactory, VolunteerFactory, staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory, StateRecordFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.neighbours.models import Alert
from villesolidaire.volunteers.services import magic_link_url

pytestmark = pytest.mark.browser


def test_neighbour_pages_are_accessible_and_an_alert_reaches_the_coordinators(page, live_server):
    staff_user(Role.COORDINATOR, email="voisinage@example.org")
    referent = VolunteerFactory(active=True, first_name="Rosalie", last_name="Relais")
    network = NetworkFactory(name="Résidence des Glycines", referent=referent)
    neighbour = NeighbourFactory(network=network, consenting=True, first_name="Marcel", last_name="Dutroisième")
    NeighbourFactory(network=network, last_name="Sansaccord")
    StateRecordFactory(network=network, place_notes="Hall propre.")
    HelpCategoryFactory(name="Visite de convivialité")

    phone = page.context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    phone.console_errors = []
    phone.on("console", lambda msg: phone.console_errors.append(msg.text) if msg.type == "error" else None)
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.goto(
        magic_link_url(volunteer=referent, next_path=f"/mon-espace/voisinage/{network.pk}/").replace(
            "http://127.0.0.1:8000", ""
        )
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text("Résidence des Glycines")
    expect(main(phone)).not_to_contain_text("Sansaccord")
    # The neighbours' table scrolls in its box: the page itself fits the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    audit(phone)
    for path in ["/mon-espace/voisinage/", f"/mon-espace/voisinage/{network.pk}/etat-des-lieux/"]:
        assert phone.goto(path).status == 200
        audit(phone)
    phone.goto(f"/mon-espace/voisinage/{network.pk}/alerte/")
    audit(phone)
    main(phone).get_by_label("Personne concernée").select_option(label="Marcel Dutroisième")
    main(phone).get_by_label("Type d'aide nécessaire").select_option(label="Visite de convivialité")
    main(phone).get_by_label("Que se passe-t-il ?").fill("Ne répond plus au téléphone depuis hier.")
    main(phone).get_by_role("button", name="Envoyer l'alerte au CCAS").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Résidence des Glycines")
    audit(phone)
    phone.context.close()
    help_request = Alert.objects.get().help_request
    assert help_request.resident.last_name == "Dutroisième"

    staff_sign_in(page, "voisinage@example.org")
    staff_pages = [
        "/gestion/voisinage/",
        "/gestion/voisinage/nouveau/",
        "/gestion/voisinage/alertes/",
        f"/gestion/voisinage/{network.pk}/",
        f"/gestion/voisinage/{network.pk}/modifier/",
        f"/gestion/voisinage/{network.pk}/referent/?q=Relais",
        f"/gestion/voisinage/{network.pk}/voisins/ajouter/",
        f"/gestion/voisinage/{network.pk}/etats-des-lieux/",
        f"/gestion/voisinage/voisins/{neighbour.pk}/retrait-accord/",
    ]
    for path in staff_pages:
        assert page.goto(path).status == 200, path
        audit(page)
    page.goto("/gestion/demandes/")
    expect(main(page)).to_contain_text("Dutroisième")
    assert HelpRequest.objects.count() == 1
