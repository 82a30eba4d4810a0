"""The host console's pages in Chromium (issue 13): axe-core finds no serious or critical
violation on the sign-in page (blank and refused), the towns, a town's deletion page and the journal, on a phone and a
desktop, and the towns' table fits the phone.

Each page is rendered by Django's test client in this test's transaction and shown to Chromium
with `set_content`, its static files served from the project's finders: a live server would
flush the host's tables between tests, and Playwright's routing runs outside this transaction.
The sign-in journey itself is walked in tests/hosting/test_towns.py.
"""

import mimetypes
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import assert_accessible, launched_chromium
from villesolidaire.accounts.models import User
from villesolidaire.hosting.models import Tenant
from villesolidaire.hosting.services import set_up_host

CONSOLE = "console.villes.test"


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


def _static(route, request):
    found = finders.find(urlsplit(request.url).path.removeprefix("/static/"))
    if not found:
        return route.fulfill(status=404, body="")
    with open(found, "rb") as static:
        return route.fulfill(status=200, body=static.read(), content_type=mimetypes.guess_type(found)[0])


def _show(page, response, status: int = 200) -> None:
    assert response.status_code == status, response.status_code
    page.set_content(response.content.decode(), wait_until="load")
    connection.set_schema_to_public()


@pytest.mark.parametrize("width, height", [(375, 812), (1280, 800)])
def test_the_console_pages_are_accessible(chromium, towns, width, height):
    a, b = towns
    set_up_host(domains=[CONSOLE], actor="tests")
    operator = User.objects.create_superuser("ops@hebergeur.test", "mot-de-passe-hebergeur")
    device = TOTPDevice.objects.create(user=operator, name="Téléphone", confirmed=True)
    client = Client(headers={"host": CONSOLE})
    context = chromium.new_context(
        base_url=f"http://{CONSOLE}", locale="fr-FR", viewport={"width": width, "height": height}
    )
    context.route(f"http://{CONSOLE}/static/**", _static)
    page = context.new_page()
    page.goto(f"http://{CONSOLE}/static/vs/css/app.css")  # the page's origin, for its relative links

    _show(page, client.get("/connexion/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à la console de l'hébergeur"
    assert_accessible(page)
    refused = {"username": operator.email, "password": "mot-de-passe-hebergeur", "otp_token": "000000"}
    _show(page, client.post("/connexion/", refused))
    assert "Code d'authentification incorrect" in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down the next try after a wrong code
    signed_in = client.post("/connexion/", refused | {"otp_token": f"{totp(device.bin_key):06d}"})
    assert signed_in.status_code == 302
    _show(page, client.get("/"))
    table = page.get_by_role("table").inner_text()
    assert a.name in table and b.name in table and a.domain in table
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
    tenant_pk = Tenant.objects.get(schema_name=a.schema).pk
    _show(page, client.get(f"/communes/{tenant_pk}/supprimer/"))
    assert a.name in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    _show(page, client.get("/journal/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Journal de l'hébergeur"
    assert_accessible(page)
    # What a visitor sees on an address no town answers.
    _show(page, Client().get("/", headers={"host": "inconnue.villes.test"}), 404)
    assert page.get_by_role("heading", level=1).inner_text() == "Adresse inconnue"
    assert_accessible(page)
    context.close()
