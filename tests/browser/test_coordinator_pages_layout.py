"""Two coordinator pages on the screens they are read on: the matching page's explanations fold
under « Pourquoi » on a phone, and the volunteers' list fits a 1366 px laptop screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, main, staff_sign_in
from tests.factories import HelpRequestFactory, QuartierFactory, ResidentFactory, VolunteerFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.volunteers.models import Skill

pytestmark = pytest.mark.browser


def test_the_matching_explanations_fold_on_a_phone_and_show_in_full_on_a_computer(page):
    staff_user(Role.COORDINATOR, email="coordination@example.org")
    category = HelpCategory.objects.order_by("pk").first()
    for name in ("Aurèle", "Bérénice", "Colombe"):
        VolunteerFactory(active=True, first_name=name, categories=[category])
    help_request = HelpRequestFactory(
        category=category, resident=ResidentFactory(located=True, latitude=48.111, longitude=-1.68)
    )
    staff_sign_in(page, "coordination@example.org")

    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"/gestion/demandes/{help_request.pk}/mise-en-relation/")
    rows = main(page).get_by_role("table").first.locator("tbody tr")
    expect(rows).to_have_count(3)
    first = rows.first
    expect(first.locator(".why-wide")).to_be_hidden()
    why = first.locator("summary")
    expect(why).to_be_visible()
    expect(why).to_contain_text("Pourquoi")
    expect(first.locator(".why-list")).to_be_hidden()
    audit(page)
    why.click()  # also the keyboard's Enter or Space: a native <details>
    expect(first.locator(".why-list")).to_be_visible()
    expect(first.locator(".why-list")).to_contain_text("km (rayon accepté 5 km)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(first.locator(".why-wide")).to_be_visible()
    expect(first.locator(".why-wide")).to_contain_text("km (rayon accepté 5 km)")
    expect(first.locator("details")).to_be_hidden()
    audit(page)


def test_the_volunteers_list_fits_a_laptop_screen_and_its_checkboxes_work(page):
    staff_user(Role.COORDINATOR, email="coordination@example.org")
    quartier = QuartierFactory(name="Maurepas – Gayeulles – Patton")
    categories = list(HelpCategory.objects.all())
    skills = list(Skill.objects.all())
    for index in range(5):
        VolunteerFactory(
            first_name="Marie-Bernadette",
            last_name=f"Delacroix-Montmorency {index}",
            email=f"marie-bernadette.delacroix-montmorency.{index}@association-des-habitants.example.org",
            quartier=quartier,
            categories=categories,
            skills=skills,
        )
    staff_sign_in(page, "coordination@example.org")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/gestion/volontaires/")
    table = main(page).get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(5)
    wrapper = main(page).locator(".table-wrapper")
    widths = wrapper.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert widths[0] <= widths[1], f"Le tableau déborde de {widths[0] - widths[1]} px à 1366 px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    audit(page)
    first = table.get_by_label("Choisir Marie-Bernadette Delacroix-Montmorency 0")
    first.check()
    expect(first).to_be_checked()
    main(page).get_by_label("Action pour la sélection").select_option(label="Valider (inscrit·es → actif·ves)")
    main(page).get_by_role("button", name="Vérifier puis appliquer").click()
    expect(main(page)).to_contain_text("Delacroix-Montmorency 0")
