"""A quartier coordinator's day (issue 13): signed in, they land on their quartier's requests, find
only their quartier's people in every list the navigation offers, relay an alert of their
buildings, and every page passes axe-core — on a phone and on a desktop screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, main, staff_sign_in
from tests.factories import HelpRequestFactory, QuartierFactory, ResidentFactory, VolunteerFactory, staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.neighbours.models import Alert
from villesolidaire.territory.scopes import set_quartier_scope

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width, height", [(375, 812), (1280, 800)])
def test_a_quartier_coordinator_sees_and_relays_their_quartier_only(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    nord, sud = QuartierFactory(name="Les Hauts"), QuartierFactory(name="La Rive")
    for quartier, name in ((nord, "Hautecœur"), (sud, "Rivière")):
        resident = ResidentFactory(last_name=name, quartier=quartier)
        HelpRequestFactory(resident=resident, description=f"Courses pour Mme {name}")
        volunteer = VolunteerFactory(active=True, last_name=f"Bénévole-{name}", quartier=quartier)
        network = NetworkFactory(name=f"Résidence {name}", quartier=quartier)
        Alert.objects.create(
            network=network,
            neighbour=NeighbourFactory(network=network, last_name=name),
            raised_by=volunteer,
            text=f"Volets clos chez Mme {name}",
        )
    coordinator = staff_user(Role.COORDINATOR, email="quartier@example.org")
    set_quartier_scope(coordinator, [nord], by=None)

    staff_sign_in(page, "quartier@example.org")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Demandes")
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav).not_to_contain_text("Veille du jour")
    expect(nav).not_to_contain_text("Bilan")
    for link in ["Demandes", "Habitant·es", "Volontaires", "Soutiens", "Voisinage", "Alertes du voisinage"]:
        nav.get_by_role("link", name=link, exact=True).click()
        expect(main(page)).not_to_contain_text("Rivière")
        audit(page)
    expect(main(page)).to_contain_text("Volets clos chez Mme Hautecœur")
    main(page).get_by_role("button", name="Marquer comme traitée").first.click()
    expect(page.get_by_role("status").first).to_contain_text("traitée")
    assert Alert.objects.get(text__contains="Hautecœur").handled_at is not None
    assert Alert.objects.get(text__contains="Rivière").handled_at is None
    assert page.goto("/gestion/bilan/").status == 404
