from tests.browser.conftest import assert_accessible
from tests.factories import TownFactory


def test_home_and_staff_login_are_accessible_and_branded(page, live_server):
    TownFactory(name="Bourg-Solidaire", primary_colour="#0b5394")
    page.goto("/")
    assert page.locator("h1").count() == 1
    assert "Bourg-Solidaire" in page.locator("header").inner_text()
    # The town's colour reaches the page through /theme.css (no inline style under CSP).
    colour = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--vs-primary').trim()")
    assert colour == "#0b5394"
    assert_accessible(page)

    page.goto("/comptes/connexion/")
    assert_accessible(page)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
