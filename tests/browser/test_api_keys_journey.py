"""API keys, in Chromium: an administrator creates a key for the switchboard, copies it from the
page that shows it once, the application calls the API with it, the reference page renders from
local assets under the site's CSP; then the key is revoked and refused. Phone and desktop sizes,
axe-core on the administrators' pages.

Only the set-up uses the ORM (town, administrator, one resident to find by phone)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import audit, build_town, csp_errors, main, new_page, staff_sign_in  # noqa: F401
from tests.factories import ResidentFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.api.models import ApiKey
from villesolidaire.audit.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_administrator_gives_the_switchboard_a_key_then_revokes_it(new_page, size):  # noqa: F811
    build_town()
    resident = ResidentFactory(first_name="Jeanne", last_name="Durand", phone="+33199001234")
    admin = staff_user(Role.ADMIN, email="admin@bourg-solidaire.invalid")
    page = new_page(**size)
    staff_sign_in(page, admin.email)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Clés d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clés d'API")
    audit(page)

    main(page).get_by_role("link", name="Nouvelle clé").click()
    main(page).get_by_role("button", name="Créer la clé").click()  # empty: refused, in French
    expect(main(page)).to_contain_text("Cochez au moins un droit")
    audit(page)
    main(page).get_by_label("Nom de l'application").fill("Standard téléphonique")
    main(page).get_by_label("Rôle").select_option(label="Opérateur·rice du numéro unique")
    main(page).get_by_label("Habitant·es (jamais le registre) — lecture", exact=True).check()
    main(page).get_by_role("button", name="Créer la clé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clé d'API « Standard téléphonique » créée")
    token = main(page).get_by_label("Clé à donner à l'application").input_value()
    assert token.startswith("vs_")
    main(page).get_by_role("button", name="Copier").click()  # shown because scripts run
    expect(main(page).locator("[data-vs-copy-status]")).to_have_text(re.compile("Copi"))
    # Reloading the page that showed the key sends the form again: no second key.
    page.reload()
    expect(main(page).get_by_role("status").first).to_contain_text("avait déjà été envoyé")
    assert ApiKey.objects.filter(name="Standard téléphonique").count() == 1
    page.goto("/gestion/cles-api/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"La page déborde ({width} px)"
    audit(page)

    # The switchboard finds the caller's file by the number, however written.
    answer = page.request.get(
        "/api/v1/residents/?phone=01%2099%2000%2012%2034", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and [row["id"] for row in answer.json()["results"]] == [resident.pk]
    assert AuditEntry.objects.filter(detail__contains="Standard téléphonique", action="list").exists()

    # The reference page: Swagger UI from local files, nothing refused by the CSP.
    reference = new_page(**size)
    reference.goto("/api/v1/reference/")
    expect(reference.get_by_role("heading", level=1)).to_contain_text("API de Ville Solidaire")
    expect(reference.get_by_role("heading", level=1)).to_have_count(1)
    expect(reference.locator(".opblock-tag").first).to_be_visible()
    expect(reference.get_by_text("/api/v1/residents/", exact=True).first).to_be_visible()
    assert not csp_errors(reference), csp_errors(reference)

    # The switchboard wants to hear of new requests: an address, its secret shown once.
    main(page).get_by_role("link", name="Standard téléphonique").click()
    main(page).get_by_label("Adresse de réception").fill("https://standard.bourg-solidaire.invalid/evenements")
    main(page).get_by_label("Demande d'aide enregistrée").check()
    main(page).get_by_role("button", name="Ajouter l'adresse").click()
    expect(main(page).get_by_label("Secret de signature")).to_have_value(re.compile(r"^whsec_"))
    audit(page)
    main(page).get_by_role("link", name=re.compile("Retour à la clé")).click()
    expect(main(page)).to_contain_text("https://standard.bourg-solidaire.invalid/evenements")
    audit(page)

    # Revoked, once confirmed: refused at once.
    main(page).get_by_role("button", name="Révoquer la clé").click()
    expect(main(page)).to_contain_text("Cochez la case pour confirmer la révocation.")
    audit(page)
    main(page).get_by_label(re.compile("Je confirme : tous les appels")).check()
    main(page).get_by_role("button", name="Révoquer la clé").click()
    expect(main(page).get_by_role("status")).to_contain_text("est révoquée")
    audit(page)
    refused = page.request.get("/api/v1/residents/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401
