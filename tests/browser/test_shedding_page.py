"""The load-shedding page in Chromium (core/shedding.py, decision 0011): a sign-up sent during a
surge comes back with what was typed, passes axe-core and the CSP, and its countdown sends it
again by itself once the surge is over; the person can stop that countdown.

The surge is simulated by holding the process's in-flight counter (the live server runs in this
process): no timing is measured."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, build_town, csp_errors, main
from villesolidaire.core.shedding import in_flight
from villesolidaire.volunteers.models import Volunteer

GROCERIES = "Courses, médicaments, livres"
MOBILE = "06 12 34 56 78"


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(text)}\s*\*?$")


@pytest.fixture
def surge(settings):
    """Shedding on with a limit of 1 and a 1-second wait; `surge.hold()` fills the limit."""
    settings.VS_MAX_IN_FLIGHT = 1
    settings.VS_SHED_RETRY_AFTER = 1

    class Surge:
        @staticmethod
        def hold():
            in_flight.count = 1

        @staticmethod
        def release():
            in_flight.count = 0

    yield Surge
    in_flight.count = 0


def test_a_sign_up_refused_in_a_surge_is_kept_and_sent_again_by_itself(page, surge):
    build_town()
    page.goto("/devenir-volontaire/")
    page.get_by_label(exactly("Prénom")).fill("Camille")
    page.get_by_label(exactly("Nom")).fill("N'Diaye-Lefèvre")
    page.get_by_label("Téléphone mobile").fill(MOBILE)
    page.get_by_label(exactly("Adresse")).fill("12 rue des Tilleuls")
    page.get_by_label("Distance maximale").fill("3")
    page.get_by_label("À vélo").check()
    page.get_by_label(GROCERIES).check()
    page.get_by_label("lundi matin").check()
    page.get_by_label("J'ai lu l'information").check()
    page.get_by_label("J'accepte la charte").check()

    surge.hold()
    main(page).get_by_role("button", name="Envoyer mon inscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le service est très demandé en ce moment")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(main(page)).to_contain_text("N'Diaye-Lefèvre")  # shown as typed, entities decoded once
    expect(page.locator("#compte-a-rebours")).to_contain_text("Nouvel envoi automatique dans")
    assert not Volunteer.objects.exists()
    audit(page)

    surge.release()  # the surge is over: the countdown sends the kept form again
    expect(page).to_have_url(re.compile(r"/devenir-volontaire/merci/$"), timeout=10_000)
    volunteer = Volunteer.objects.get(phone="+33612345678")
    assert (volunteer.first_name, volunteer.last_name) == ("Camille", "N'Diaye-Lefèvre")
    assert not csp_errors(page)


def test_the_person_can_stop_the_automatic_retry(page, surge):
    build_town()
    surge.hold()
    page.goto("/devenir-volontaire/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Le service est très demandé en ce moment")
    page.get_by_role("button", name="Ne pas réessayer automatiquement").click()
    expect(page.locator("#compte-a-rebours")).to_have_text("Essai automatique arrêté.")
    surge.release()
    page.wait_for_timeout(2500)  # longer than the wait: nothing reloads the page
    expect(page.get_by_role("heading", level=1)).to_have_text("Le service est très demandé en ce moment")
    page.get_by_role("link", name="Réessayer").click()
    expect(page).to_have_url(re.compile(r"/devenir-volontaire/$"))
    expect(page.get_by_role("button", name="Envoyer mon inscription")).to_be_visible()
    assert not csp_errors(page)
