"""A coordinator whose password an administrator chose signs in, is asked to replace it before
anything else, gets a French message for a mistyped confirmation, then reaches the page they
opened — every step passes axe-core, on a phone and on a desktop screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import STAFF_PASSWORD, audit, main, staff_sign_in
from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Une-phrase-de-passe-solide-42"
NEW_LABEL = re.compile(r"^Nouveau mot de passe(?!,)")  # not « …, à nouveau »


@pytest.mark.parametrize("width, height", [(375, 812), (1280, 800)])
def test_a_provisional_password_is_replaced_at_the_first_sign_in(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    user = staff_user(Role.COORDINATOR, email="nouvelle@mairie.test", password_is_provisional=True)
    staff_sign_in(page, "nouvelle@mairie.test")
    page.goto("/gestion/volontaires/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changer mon mot de passe")
    expect(main(page)).to_contain_text("choisi par quelqu'un d'autre")
    audit(page)

    page.get_by_label("Mot de passe actuel").fill(STAFF_PASSWORD)
    page.get_by_label(NEW_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("Nouveau mot de passe, à nouveau").fill(NEW_PASSWORD + "!")
    main(page).get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(main(page)).to_contain_text("Les deux mots de passe ne sont pas identiques.")
    audit(page)

    page.get_by_label("Mot de passe actuel").fill(STAFF_PASSWORD)
    page.get_by_label(NEW_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("Nouveau mot de passe, à nouveau").fill(NEW_PASSWORD)
    main(page).get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Volontaires")
    expect(page.locator(".messages")).to_contain_text("Votre mot de passe est changé.")
    # An empty list still draws its table, wider than a phone: a keyboard can reach it when it scrolls.
    wrapper = main(page).locator(".table-wrapper").first
    scrolls = wrapper.evaluate("wrapper => wrapper.scrollWidth > wrapper.clientWidth")
    assert (wrapper.get_attribute("tabindex") == "0") == scrolls
    audit(page)
    user = User.objects.get(pk=user.pk)
    assert user.check_password(NEW_PASSWORD) and not user.password_is_provisional
