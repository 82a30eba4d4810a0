"""The bilan, in Chromium: an elected official opens it, picks last year, compares it with the year
before, downloads the PDF; the coordinator writes the introduction the PDF prints. Phone and
desktop sizes, axe-core on every screen.

Only the set-up uses the ORM (town, staff accounts, a year of activity and the year before).
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.helpers import audit, build_town, main, new_page, staff_sign_in  # noqa: F401
from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    staff_user,
)
from villesolidaire.accounts.enums import Role
from villesolidaire.missions.enums import MissionStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _at(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(datetime.date(year, month, day), datetime.time(11)))


def _a_year_of_activity(year: int, *, volunteers: int, helped: int, quartier) -> None:
    """`volunteers` sign-ups in March, `helped` residents who ask in April, each with a support and a
    mission done in May (named people, who must never appear in the bilan)."""
    signed_up = [
        VolunteerFactory(active=True, quartier=quartier, last_name="Testnom", created_at=_at(year, 3, 1 + index % 28))
        for index in range(volunteers)
    ]
    for index in range(helped):
        resident = ResidentFactory(quartier=quartier, first_name="Germaine", last_name="Testnom")
        request = HelpRequestFactory(resident=resident, created_at=_at(year, 4, 1 + index))
        support = SupportFactory(
            help_request=request, volunteer=signed_up[index % volunteers], started_at=_at(year, 4, 10 + index)
        )
        MissionFactory(
            support=support, scheduled_at=_at(year, 5, 2 + index), status=MissionStatus.DONE, duration_minutes=90
        )


def test_an_official_reads_last_years_bilan_compared_and_downloads_it(new_page):  # noqa: F811
    quartier = build_town()
    last_year = timezone.localdate().year - 1
    _a_year_of_activity(last_year, volunteers=6, helped=4, quartier=quartier)
    _a_year_of_activity(last_year - 1, volunteers=4, helped=2, quartier=quartier)
    staff_user(Role.OFFICIAL, email="elue@bourg-solidaire.invalid")
    staff_user(Role.COORDINATOR, email="coordination@bourg-solidaire.invalid")

    # The coordinator writes last year's introduction, on a desktop.
    desk = new_page(**DESKTOP)
    staff_sign_in(desk, "coordination@bourg-solidaire.invalid")
    desk.goto("/gestion/bilan/")
    main(desk).get_by_label("Période", exact=True).select_option(label=f"Année {last_year}")
    main(desk).get_by_role("button", name="Afficher le bilan").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"Bilan — Année {last_year}")
    main(desk).get_by_label("Introduction du bilan").fill("Une année où le quartier s'est serré les coudes.")
    main(desk).get_by_role("button", name="Enregistrer l'introduction").click()
    expect(main(desk).get_by_text("Introduction du bilan enregistrée.")).to_be_visible()
    audit(desk)

    # The official, on a phone: home is the bilan; she picks last year and compares.
    phone = new_page(**PHONE)
    staff_sign_in(phone, "elue@bourg-solidaire.invalid")
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Bilan — Année {last_year + 1}")
    audit(phone)
    main(phone).get_by_label("Période", exact=True).select_option(label=f"Année {last_year}")
    compare = main(phone).get_by_label("Comparer avec la même période un an plus tôt")
    compare.check()
    main(phone).get_by_role("button", name="Afficher le bilan").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Bilan — Année {last_year}")
    registered = main(phone).get_by_role("region", name="Volontaires inscrit·es", exact=True)
    expect(registered.locator(".figure")).to_have_text("6")
    expect(registered.locator(".trend")).to_have_text("Un an plus tôt : 4 (en hausse de 50 %)")
    helped = main(phone).get_by_role("region", name="Habitant·es aidé·es", exact=True)
    expect(helped.locator(".figure")).to_have_text("4")
    expect(main(phone).get_by_text("Une année où le quartier s'est serré les coudes.")).to_be_visible()
    # An official reads; she cannot write the introduction, and sees no name.
    expect(main(phone).get_by_label("Introduction du bilan")).to_have_count(0)
    assert "Testnom" not in phone.content() and "Germaine" not in phone.content()
    audit(phone)

    with phone.expect_download() as download_info:
        main(phone).get_by_role("link", name="Télécharger le bilan (PDF)").click()
    with open(download_info.value.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert re.search(r"^Volontaires inscrit·es 6 4 2 en hausse de 50 %$", text, re.MULTILINE)
    assert re.search(r"^Missions réalisées 4 2 2 en hausse de 100 %$", text, re.MULTILINE)
    assert "Une année où le quartier s'est serré les coudes." in text
    assert "Testnom" not in text

    # Officials read only: a nominative page is a 404 for them.
    response = phone.goto("/gestion/volontaires/")
    assert response.status == 404
