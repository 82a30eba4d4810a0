"""The crisis day, in Chromium, at phone and desktop sizes.

A red heatwave is declared → the register officer generates a call campaign → an accredited
caller, on a phone, works five calls in a row from the call screen (each next call opens by
itself); one person does not answer and is escalated through the emergency contact shown on the
screen → the operations view (« Veille du jour ») shows the counts move, for the officer and the
coordinator → the evening report (CSV) has the day's figures. axe-core audits every screen.

Only the set-up uses the ORM (town, questionnaire, staff accounts, accreditation, six register
entries).
"""

import csv
import datetime
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import STREETS, audit, build_town, csp_errors, main, new_page, staff_sign_in  # noqa: F401
from tests.browser.test_register_journey import (
    default_questionnaire,
    exactly,
    flash,
    person_called,
    watch_server_errors,
)
from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns.enums import EscalationKind, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, Campaign
from villesolidaire.campaigns.services.accreditations import accreditation_grant
from villesolidaire.crises.models import EpisodeKind, EpisodeLevel
from villesolidaire.register.models import EntryStatus, Ground, Origin, RegisterEntry
from villesolidaire.register.services import locate_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Six registered people; Simone never answers, her daughter is her emergency contact.
PEOPLE = [
    ("Le Goff", "Marcel", "+33199004401"),
    ("Tanguy", "Josette", "+33199004402"),
    ("Riou", "Albert", "+33199004403"),
    ("Quéré", "Simone", "+33199004404"),
    ("Morvan", "Lucien", "+33199004405"),
    ("Cadiou", "Germaine", "+33199004406"),
]
UNREACHABLE = "Quéré"
DAUGHTER = ("Hélène Quéré (fille)", "+33199007788", "01 99 00 77 88")


def test_a_red_heatwave_day_from_the_declaration_to_the_evening_report(new_page, live_server):  # noqa: F811
    build_town()
    default_questionnaire()
    officer = staff_user(Role.REGISTER_OFFICER, email="registre@bourg-solidaire.invalid")
    coordinator = staff_user(Role.COORDINATOR, email="coordination@bourg-solidaire.invalid")
    caller = staff_user(Role.CALLER, email="appelante@bourg-solidaire.invalid")
    accreditation_grant(
        user=caller,
        training_on=timezone.localdate() - timedelta(days=30),
        undertaking_signed_on=timezone.localdate() - timedelta(days=30),
        by=officer,
    )
    for index, (last, first, phone) in enumerate(PEOPLE):
        extra = {}
        if last == UNREACHABLE:
            # The oldest: called among the first five (the queue calls older people first).
            extra = {
                "emergency_contact_name": DAUGHTER[0],
                "emergency_contact_phone": DAUGHTER[1],
                "birth_date": datetime.date(1929, 2, 3),
            }
        register(last, first, phone, street=STREETS[index % len(STREETS)], **extra)

    # 1. The officer, at a desk, lands on the operations view and declares a red episode ---------
    desk = new_page(**DESKTOP)
    errors = watch_server_errors(desk)
    staff_sign_in(desk, officer.email)
    expect(desk).to_have_url(re.compile(r"/gestion/veille/$"))
    expect(desk.get_by_role("heading", level=1)).to_have_text("Veille du jour")
    audit(desk)
    nav = desk.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Épisodes et campagnes").click()
    main(desk).get_by_role("link", name="Déclarer un épisode").click()
    today = timezone.localdate()
    main(desk).get_by_label(exactly("Type d'épisode")).select_option(label=EpisodeKind.HEATWAVE.label)
    main(desk).get_by_label(EpisodeLevel.RED.label, exact=True).check()
    main(desk).get_by_label(exactly("Intitulé")).fill("Canicule rouge")
    main(desk).get_by_label(exactly("Début")).fill(today.isoformat())
    main(desk).get_by_role("button", name="Déclarer l'épisode").click()
    expect(flash(desk)).to_contain_text("Épisode déclaré.")

    # 2. A campaign is generated --------------------------------------------------------------
    main(desk).get_by_role("link", name="Lancer une campagne d'appels").click()
    main(desk).get_by_role("button", name="Générer la liste d'appels").click()
    expect(flash(desk)).to_contain_text("Campagne créée : 6 personnes à appeler.")
    campaign = Campaign.objects.get()
    nav.get_by_role("link", name=re.compile(r"^Veille du jour")).click()
    episode_panel = main(desk).locator(".episode-progress")
    expect(episode_panel).to_contain_text("Vigilance rouge")
    expect(episode_panel).to_contain_text("0 % des personnes à appeler ont été jointes")
    expect(figure(desk, "À appeler")).to_have_text("6")
    audit(desk)

    # 3. The caller works five calls in a row from a phone -----------------------------------
    phone = new_page(**PHONE)
    watch_server_errors(phone, errors)
    staff_sign_in(phone, caller.email)
    expect(phone).to_have_url(re.compile(r"/gestion/appels/$"))
    audit(phone)
    main(phone).get_by_role("button", name=re.compile(r"^Appel suivant")).click()
    expect(phone).to_have_url(re.compile(rf"/gestion/appels/{campaign.pk}/$"))
    called = []
    for call in range(5):
        name = person_called(phone).inner_text()
        called.append(name)
        if call == 0:
            audit(phone)  # the call screen at phone size, with its questionnaire
        screen = main(phone)
        # Dialable numbers, with French spacing.
        number = next(p for p in PEOPLE if p[0].upper() in name)[2]
        spaced = " ".join(("0" + number[3:])[i : i + 2] for i in range(0, 10, 2))
        expect(screen.get_by_role("link", name=spaced)).to_have_attribute("href", f"tel:{number}")
        if UNREACHABLE.upper() in name:
            escalate_through_emergency_contact(phone)
        else:
            screen.get_by_role("group", name="Résultat de l'appel").get_by_label(Outcome.REACHED_FINE.label).check()
            screen.get_by_role("button", name="Enregistrer l'appel", exact=True).click()
            expect(flash(phone)).to_contain_text("Appel enregistré : jointe — va bien.")
        # The next person opened by itself.
        expect(person_called(phone)).not_to_have_text(name)
    assert len(set(called)) == 5 and any(UNREACHABLE.upper() in n for n in called)
    assert CallAttempt.objects.filter(caller=caller).count() == 5
    simone = CallTarget.objects.get(entry__in=RegisterEntry.objects.matching_name(UNREACHABLE))
    assert simone.status == TargetStatus.ESCALATED
    first, second = simone.escalation_steps.order_by("pk")
    assert (first.kind, first.result) == (EscalationKind.EMERGENCY_CONTACT, EscalationResult.NO_NEWS)
    assert second.done_at is None  # the next step waits for the officer

    # 4. The operations view shows the counts move, for the officer and the coordinator ------------
    desk.reload()
    expect(main(desk).locator(".episode-progress")).to_contain_text("66 % des personnes à appeler ont été jointes")
    expect(figure(desk, "Jointes")).to_have_text("4")
    expect(figure(desk, "En escalade")).to_have_text("1")
    expect(figure(desk, "À appeler")).to_have_text("1")
    late = main(desk).locator("#veille-calls_late_or_escalated")
    expect(late.locator("strong").first).to_have_text("1")
    expect(late).to_contain_text("0 en retard, 1 en escalade")
    audit(desk)
    coordination = new_page(**PHONE)
    watch_server_errors(coordination, errors)
    staff_sign_in(coordination, coordinator.email)
    expect(coordination.get_by_role("heading", level=1)).to_have_text("Veille du jour")
    expect(figure(coordination, "Jointes")).to_have_text("4")
    expect(main(coordination).locator("#veille-calls_late_or_escalated")).to_have_count(0)  # register work
    audit(coordination)

    # 5. The evening report -------------------------------------------------------------------
    late.get_by_role("link", name=campaign.title).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Non joints, escalades et retards")
    expect(main(desk).get_by_role("table")).to_contain_text(f"{UNREACHABLE.upper()} Simone")
    desk.goto(f"/gestion/campagnes/{campaign.pk}/tableau-de-bord/")
    with desk.expect_download() as download_info:
        main(desk).get_by_role("link", name="Rapport quotidien (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as report:
        rows = list(csv.reader(io.StringIO(report.read()), delimiter=";"))
    day = next(row for row in rows if row and row[0] == today.strftime("%d/%m/%Y"))
    figures = dict(zip(rows[0] if rows[0][0] == "Jour" else rows[1], day, strict=False))
    assert figures["Appels passés"] == "5" and figures["Personnes jointes"] == "4"
    assert figures["Escalades"] == "1"

    # 6. The last person is called from paper (the network is down): print, call, enter back ----
    phone.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Appels").click()
    phone.get_by_text("Travailler sur papier (sans réseau)").click()
    main(phone).get_by_label("Nombre de personnes sur la feuille").fill("5")
    main(phone).get_by_role("button", name=re.compile(r"^Préparer une feuille d'appels")).click()
    expect(flash(phone)).to_contain_text("Feuille d'appels préparée : 1 personne réservée pour vous.")
    expect(main(phone).locator(".sheet-line")).to_have_count(1)
    audit(phone)
    with phone.expect_download() as download_info:
        main(phone).get_by_role("link", name="Télécharger le PDF (A4)").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    main(phone).get_by_role("link", name="Saisir les résultats").click()
    audit(phone)
    result = main(phone).get_by_role("group", name=re.compile(r"^1\. "))
    result.get_by_label("Ligne 1 : résultat").select_option(label=Outcome.REACHED_FINE.label)
    result.get_by_label("Ligne 1 : heure").fill(timezone.localtime().strftime("%H:%M"))
    main(phone).get_by_role("button", name="Enregistrer les résultats").click()
    expect(flash(phone)).to_contain_text("1 appel enregistré. Feuille close")
    assert CallTarget.objects.filter(campaign=campaign, status=TargetStatus.REACHED).count() == 5

    assert not errors, errors
    for browser_page in (desk, phone, coordination):
        assert not csp_errors(browser_page), csp_errors(browser_page)


def escalate_through_emergency_contact(page: Page) -> None:
    screen = main(page)
    section = screen.get_by_role("region", name="Si la personne ne répond pas")
    expect(section).to_contain_text(DAUGHTER[0])
    expect(section.get_by_role("link", name=DAUGHTER[2])).to_have_attribute("href", f"tel:{DAUGHTER[1]}")
    audit(page)
    section.get_by_label(Outcome.NO_ANSWER.label, exact=True).check()
    section.get_by_label(EscalationResult.NO_NEWS.label, exact=True).check()
    section.get_by_label("Ce que la personne à prévenir a dit").fill("Sa fille est sans nouvelles depuis hier soir")
    section.get_by_role("button", name="Enregistrer l'appel à la personne à prévenir").click()
    expect(flash(page)).to_contain_text("Appels enregistrés : la personne est en escalade.")


def figure(page: Page, label: str):
    """A figure of the episode panel of the operations view, by its label."""
    return (
        main(page)
        .locator(".episode-progress dl.figures div")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^{re.escape(label)}$")))
        .locator("dd")
    )


def register(last: str, first: str, phone: str, *, street, **fields) -> RegisterEntry:
    number, street_name, _lon, _lat = street
    fields.setdefault("birth_date", datetime.date(1938, 5, 1))
    entry = RegisterEntry(
        last_name=last,
        first_names=first,
        ground=Ground.AGE_65,
        address=f"{number} {street_name}",
        phone=phone,
        status=EntryStatus.REGISTERED,
        origin=Origin.SELF,
        request_date=timezone.localdate() - timedelta(days=30),
        acknowledged_at=timezone.now() - timedelta(days=25),
        **fields,
    )
    assert locate_entry(entry)
    entry.save()
    return entry
