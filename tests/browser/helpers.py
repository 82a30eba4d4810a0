"""Helpers for the browser journeys: extra browser contexts, staff sign-in, a small town.

Only the set-up goes through the ORM (town, quartier, BAN rows, reference lists, recruitment
call, staff accounts); every step of a journey is clicked or typed in Chromium.
"""

import importlib
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from villesolidaire.core.text import fold
from villesolidaire.notifications.models import PERSONAL_LINK_PLACEHOLDER, Message
from villesolidaire.notifications.sms import MemorySmsBackend
from villesolidaire.territory.models import BanAddress, Quartier, Town
from villesolidaire.volunteers.models import RecruitmentCall

STAFF_PASSWORD = "motdepasse-de-test"  # tests.factories.UserFactory
BACKUP_CODE = "12345678"  # tests.factories.staff_user
TOWN_INSEE = "99001"
TOWN_NAME = "Bourg-Solidaire"
TOWN_POSTCODE = "99100"

# A square quartier around the town centre (GeoJSON: longitude, latitude).
CENTRE_QUARTIER = {
    "type": "Polygon",
    "coordinates": [[[-1.70, 48.10], [-1.66, 48.10], [-1.66, 48.12], [-1.70, 48.12], [-1.70, 48.10]]],
}
# (number, street, longitude, latitude): a few BAN rows of the town, a few hundred metres apart.
STREETS = [
    ("12", "Rue des Tilleuls", -1.6800, 48.1100),
    ("14", "Rue des Tilleuls", -1.6798, 48.1101),
    ("3", "Place du Marché", -1.6790, 48.1120),
    ("5", "Place du Marché", -1.6788, 48.1121),
    ("8", "Avenue de la Gare", -1.6600, 48.1300),
]

_LINK = re.compile(r"https?://\S+")


# Browser contexts ---------------------------------------------------------------------------


@pytest.fixture
def new_page(chromium_browser, live_server):
    """Open another browser context (another person at another computer), as the `page`
    fixture does: same base URL, locale, timeout and console-error log."""
    contexts = []

    def open_page(**options) -> Page:
        context = chromium_browser.new_context(
            base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.console_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


def csp_errors(page: Page) -> list[str]:
    return [error for error in page.console_errors if "Content Security Policy" in error]


def audit(page: Page) -> None:
    """axe-core (no serious or critical violation) and no CSP error in the console so far."""
    assert_accessible(page)
    assert not csp_errors(page), f"Erreurs CSP sur {page.url} : {csp_errors(page)}"


def main(page: Page):
    """The page's <main>: the header holds a 'Se déconnecter' submit button of its own."""
    return page.get_by_role("main")


# Town set-up (ORM) --------------------------------------------------------------------------


def reference_lists() -> None:
    """The seeds' categories and skills (migration help_requests 0008): transactional tests
    flush the database after each test, so they are put back here when missing."""
    migration = importlib.import_module("villesolidaire.help_requests.migrations.0008_reference_data")
    migration.create(apps, None)


def build_town() -> Quartier:
    """The town, one quartier with a GeoJSON boundary, BAN rows, the reference lists and an
    open recruitment call."""
    Town.objects.create(name=TOWN_NAME, insee_code=TOWN_INSEE, hotline_phone="01 23 45 67 89")
    quartier = Quartier(name="Centre-Bourg", code="centre-bourg", boundary_geojson=json.dumps(CENTRE_QUARTIER))
    quartier.full_clean()  # computes the centre
    quartier.save()
    BanAddress.objects.bulk_create(
        BanAddress(
            ban_id=f"{TOWN_INSEE}_{index:04d}_{numero.zfill(5)}",
            numero=numero,
            rep="",
            nom_voie=street,
            code_postal=TOWN_POSTCODE,
            code_insee=TOWN_INSEE,
            nom_commune=TOWN_NAME,
            longitude=lon,
            latitude=lat,
            search_text=fold(f"{street} {TOWN_NAME}"),
        )
        for index, (numero, street, lon, lat) in enumerate(STREETS)
    )
    reference_lists()
    now = timezone.now()
    RecruitmentCall.objects.create(
        title="Appel aux volontaires", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=20)
    )
    return quartier


# Outboxes -----------------------------------------------------------------------------------


def clear_outboxes() -> None:
    MemorySmsBackend.outbox.clear()
    MemorySmsBackend.fail_next = 0
    mail.outbox.clear()


def last_sms(recipient: str, containing: str) -> str:
    """Body of the last SMS sent to `recipient` containing `containing`; it must be in the
    message log too, marked sent, with its personal links replaced by a placeholder."""
    bodies = [sms.body for sms in MemorySmsBackend.outbox if sms.recipient == recipient and containing in sms.body]
    assert bodies, f"Aucun SMS à {recipient} contenant {containing!r} : {MemorySmsBackend.outbox}"
    stored = re.sub(
        r"https?://\S+/(?:reponse|besoins/invitation|besoins/inscription|formations/invitation)/\S+|"
        r"https?://\S+\?jeton=\S+",
        PERSONAL_LINK_PLACEHOLDER,
        bodies[-1],
    )
    logged = Message.objects.filter(recipient=recipient, body=stored, personal_links="")
    assert logged.filter(status="sent").exists(), f"SMS absent du journal des messages : {stored!r}"
    return bodies[-1]


def link_path(text: str, containing: str) -> str:
    """Path and query of the link in `text` that contains `containing`, to open it on the live
    server (links in messages start with settings.SITE_URL)."""
    links = [link for link in _LINK.findall(text) if containing in link]
    assert links, f"Aucun lien contenant {containing!r} dans : {text!r}"
    parts = urlsplit(links[0])
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# Staff -------------------------------------------------------------------------------------


def staff_sign_in(page: Page, email: str) -> None:
    """Password, then the second factor with a static backup code."""
    page.goto("/comptes/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    main(page).get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification en deux étapes")
    page.get_by_label("Code de vérification").fill(BACKUP_CODE)
    main(page).get_by_role("button", name="Valider").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def open_current_bilan(page: Page) -> None:
    """The bilan from the main navigation, recalculated now as a coordinator would after a change:
    the page opened is the copy the job keeps (up to 15 minutes old, decision 0019)."""
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Bilan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan —")
    expect(main(page)).to_contain_text("Chiffres arrêtés le")
    main(page).get_by_role("button", name="Recalculer maintenant").click()
    expect(main(page).get_by_role("status")).to_contain_text("Bilan recalculé")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bilan —")


def dashboard_figures(page: Page) -> dict[str, int]:
    """The headline figures of the dashboard as of now, by their French label."""
    open_current_bilan(page)
    figures = {}
    for label in (
        "Volontaires inscrit·es",
        "Volontaires actif·ves",
        "Volontaires mobilisé·es",
        "Missions réalisées",
        "Habitant·es aidé·es",
        "Soutiens mis en place",
    ):
        text = page.get_by_role("region", name=label, exact=True).locator(".figure").inner_text()
        figures[label] = int(text.replace("\u202f", "").replace("\xa0", "").replace(" ", ""))
    return figures
