"""The register of vulnerable people and a heatwave call campaign, in Chromium.

A register officer registers a person on a third party's written request → acknowledges it
(R121-6) and downloads the letter → declares a heatwave episode → generates a campaign → an
accredited caller works through the queue: one person fine, one needing groceries (a help
request reaches the coordinators), one never reached, escalated after the fourth failed
attempt. axe-core audits every screen of the journey.

Only the set-up uses the ORM (town, reference lists, default questionnaire, staff accounts, the
caller's accreditation, two more register entries); the one DB write during the journey moves a
call's due time into the past, to simulate the two hours between attempts. A second test checks
that an anonymous visitor and a signed-in volunteer never see a register name.
"""

import datetime
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    STREETS,
    audit,
    build_town,
    csp_errors,
    main,
    new_page,  # noqa: F401 (fixture)
    staff_sign_in,
)
from tests.factories import VolunteerFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns.enums import Advice, EscalationKind, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, Campaign
from villesolidaire.campaigns.services.accreditations import accreditation_grant
from villesolidaire.campaigns.services.call_queue import held_target, take_next_call
from villesolidaire.campaigns.services.calls import record_attempt
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_create
from villesolidaire.campaigns.services.episodes import episode_declare
from villesolidaire.crises.models import EpisodeKind, EpisodeLevel
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.register.models import EntryStatus, Ground, Origin, RegisterEntry
from villesolidaire.register.services import locate_entry
from villesolidaire.volunteers.services import magic_link_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GROCERIES = "Courses, médicaments, livres"
# The person registered through the UI (person A), and the two entries of the set-up.
PERSON_A = ("Kervarrec", "Yvonne")
PERSON_B = ("Guivarch", "Hervé")
PERSON_C = ("Prigent", "Odette")
# Fiction ranges (ARCEP): 01 99 00 … landlines.
PHONES = {PERSON_A: "+33199001234", PERSON_B: "+33199002345", PERSON_C: "+33199003456"}


def test_register_to_escalation_journey(page, new_page, live_server):  # noqa: F811 (fixture)
    build_town()
    default_questionnaire()
    officer = staff_user(Role.REGISTER_OFFICER, email="registre@bourg-solidaire.invalid")
    coordinator = staff_user(Role.COORDINATOR, email="coordination@bourg-solidaire.invalid")
    caller = staff_user(Role.CALLER, email="appelant@bourg-solidaire.invalid")
    accreditation_grant(
        user=caller,
        training_on=timezone.localdate() - timedelta(days=30),
        undertaking_signed_on=timezone.localdate() - timedelta(days=30),
        by=officer,
    )
    # 3. Persons B and C are already registered (C has someone to call if she cannot be reached).
    register_entry(PERSON_B, birth_date=datetime.date(1940, 6, 2), street=STREETS[2])
    register_entry(
        PERSON_C,
        birth_date=datetime.date(1942, 9, 21),
        street=STREETS[3],
        emergency_contact_name="Anne Prigent",
        emergency_contact_phone="+33199001122",
    )
    server_errors = watch_server_errors(page)

    # 1. The officer registers person A on a third party's written request -----------------
    staff_sign_in(page, officer.email)
    nav = page.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Registre", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registre des personnes vulnérables")
    register_nav = main(page).get_by_role("navigation", name="Registre")
    register_nav.get_by_role("link", name="Nouvelle inscription").click()
    expect(page).to_have_url(re.compile(r"/gestion/registre/nouvelle/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle inscription au registre")
    audit(page)
    form = main(page)
    form.get_by_label("Un tiers, par écrit").check()
    form.get_by_label(exactly("Nom du tiers ayant fait la demande")).fill("Paul Lemoine")
    form.get_by_label(exactly("Qualité du tiers (lien avec la personne)")).fill("Neveu")
    form.get_by_label(exactly("Nom")).fill(PERSON_A[0])
    form.get_by_label(exactly("Prénoms")).fill(PERSON_A[1])
    form.get_by_label(exactly("Date de naissance")).fill("1938-03-14")
    form.get_by_label(Ground.AGE_65.label).check()
    form.get_by_label(exactly("Adresse")).fill(f"{STREETS[0][0]} {STREETS[0][1]}")
    form.get_by_label(exactly("Téléphone")).fill("01 99 00 12 34")
    form.get_by_role("button", name="Enregistrer la demande").click()
    expect(flash(page)).to_contain_text("enregistrée. Envoyez l'accusé de réception avant le")
    entry = RegisterEntry.objects.matching_name(PERSON_A[0]).get()
    assert entry.status == EntryStatus.RECEIVED and entry.origin == Origin.THIRD_PARTY
    assert (entry.third_party_name, entry.third_party_capacity) == ("Paul Lemoine", "Neveu")
    assert entry.is_located and entry.created_by == officer
    expect(page).to_have_url(re.compile(rf"/gestion/registre/{entry.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{PERSON_A[0].upper()} {PERSON_A[1]}")
    expect(main(page)).to_contain_text("Paul Lemoine (Neveu)")
    audit(page)

    # It is in the register list, and in the acknowledgements to send.
    nav.get_by_role("link", name="Registre", exact=True).click()
    row = main(page).get_by_role("row").filter(has_text=PERSON_A[0].upper())
    expect(row).to_contain_text(Origin.THIRD_PARTY.label)
    expect(row).to_contain_text(EntryStatus.RECEIVED.label)
    expect(main(page).get_by_role("table").locator("tbody tr")).to_have_count(3)
    audit(page)
    register_nav.get_by_role("link", name="Accusés à envoyer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accusés de réception à envoyer")
    expect(main(page).get_by_role("table")).to_contain_text(PERSON_A[0].upper())

    # 2. The acknowledgement (R121-6): the person is registered, the letter is a PDF --------
    main(page).get_by_role("link", name=str(entry.pk), exact=True).click()
    main(page).get_by_role("button", name="Envoyer l'accusé de réception et inscrire").click()
    expect(flash(page)).to_contain_text("Accusé de réception enregistré : la personne est inscrite.")
    expect(main(page).locator("p strong").first).to_have_text(EntryStatus.REGISTERED.label)
    with page.expect_download() as download_info:
        main(page).get_by_role("link", name="Lettre d'accusé de réception (PDF)").click()
    letter = download_info.value
    assert letter.suggested_filename == f"accuse-reception-{entry.pk}.pdf"
    with open(letter.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REGISTERED and entry.acknowledged_at is not None
    register_nav.get_by_role("link", name="Accusés à envoyer").click()
    expect(main(page)).to_contain_text("Aucun accusé de réception en attente.")
    expect(main(page)).not_to_contain_text(PERSON_A[0].upper())

    # 4. A heatwave episode is declared and a campaign generated ---------------------------
    nav.get_by_role("link", name="Épisodes et campagnes").click()
    main(page).get_by_role("link", name="Déclarer un épisode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer un épisode")
    audit(page)
    today = timezone.localdate()
    main(page).get_by_label(exactly("Type d'épisode")).select_option(label=EpisodeKind.HEATWAVE.label)
    main(page).get_by_label(EpisodeLevel.ORANGE.label, exact=True).check()
    main(page).get_by_label(exactly("Intitulé")).fill("Canicule de juillet")
    main(page).get_by_label(exactly("Début")).fill(today.isoformat())
    main(page).get_by_label(exactly("Fin")).fill((today + timedelta(days=4)).isoformat())
    main(page).get_by_role("button", name="Déclarer l'épisode").click()
    expect(flash(page)).to_contain_text("Épisode déclaré.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Canicule de juillet")
    main(page).get_by_role("link", name="Lancer une campagne d'appels").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle campagne d'appels")
    audit(page)
    main(page).get_by_role("button", name="Générer la liste d'appels").click()
    expect(flash(page)).to_contain_text("Campagne créée : 3 personnes à appeler.")
    campaign = Campaign.objects.get()
    assert campaign.targets_count == 3 and campaign.questionnaire is not None
    expect(main(page).locator("[data-figure=total]")).to_have_text("3")
    expect(main(page).locator("[data-figure=pending]")).to_have_text("3")
    audit(page)
    main(page).get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tableau de bord — {campaign.title}")
    audit(page)

    # 5. The accredited caller works through the queue -------------------------------------
    calls = new_page()
    watch_server_errors(calls, server_errors)
    staff_sign_in(calls, caller.email)
    calls.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Appels").click()
    expect(calls).to_have_url(re.compile(r"/gestion/appels/$"))
    expect(calls.get_by_role("heading", level=1)).to_have_text("Appels à passer")
    expect(main(calls)).to_contain_text("3 appels à passer maintenant")
    audit(calls)
    main(calls).get_by_role("button", name=re.compile(r"^Appel suivant")).click()
    expect(calls).to_have_url(re.compile(r"/gestion/appels/\d+/$"))
    called = []
    for _ in range(3):
        person = person_called(calls)
        expect(person).to_be_visible()
        name = person.inner_text()
        called.append(name)
        if name == shown(PERSON_A):
            audit(calls)  # the call screen, with its questionnaire
            record_call(calls, Outcome.REACHED_FINE, answers=True)
        elif name == shown(PERSON_B):
            record_call(calls, Outcome.REACHED_NEEDS_HELP, help_request="Courses de la semaine et pharmacie.")
            expect(flash(calls)).to_contain_text("transmise aux coordinateur·rices")
        else:
            assert name == shown(PERSON_C), name
            record_call(calls, Outcome.NO_ANSWER)
        next_call(calls)
    assert sorted(called) == sorted(shown(p) for p in (PERSON_A, PERSON_B, PERSON_C))
    # Nobody is due any more: A and B are checked again in 48 h, C in 2 hours.
    expect(flash(calls)).to_contain_text("Personne à appeler pour le moment")
    fine = CallAttempt.objects.get(outcome=Outcome.REACHED_FINE)
    assert fine.target.entry_id == entry.pk and fine.caller == caller
    assert fine.answers == {"temperature": "Chaud (26 à 30 °C)", "drinks_enough": True}
    assert fine.advice == [Advice.DRINK]

    # B's need reached the coordinators.
    coordination = new_page()
    watch_server_errors(coordination, server_errors)
    staff_sign_in(coordination, coordinator.email)
    coordination.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Demandes").click()
    expect(coordination.get_by_role("heading", level=1)).to_have_text("Demandes d'aide")
    request_row = main(coordination).get_by_role("table").locator("tbody tr")
    expect(request_row).to_have_count(1)
    expect(request_row).to_contain_text(GROCERIES)
    expect(request_row).to_contain_text(Channel.OUTREACH.label)
    help_request = HelpRequest.objects.select_related("resident", "category").get()
    assert help_request.category.slug == "courses" and help_request.channel == Channel.OUTREACH
    assert help_request.resident.last_name == PERSON_B[0]

    # C never answers: three more attempts, two simulated hours apart, then the escalation.
    target_c = CallTarget.objects.get(campaign=campaign, entry__in=RegisterEntry.objects.matching_name(PERSON_C[0]))
    for attempt in range(2, 5):
        target_c.refresh_from_db()
        assert (target_c.status, target_c.failed_attempts) == (TargetStatus.PENDING, attempt - 1)
        assert target_c.next_call_at > timezone.now()
        CallTarget.objects.filter(pk=target_c.pk).update(
            next_call_at=timezone.now() - timedelta(minutes=1),
            series_started_at=target_c.series_started_at - timedelta(hours=2),
        )
        next_call(calls)
        expect(person_called(calls)).to_have_text(shown(PERSON_C))
        history = main(calls).get_by_role("region", name="Appels précédents")
        expect(history.locator("ol.timeline li")).to_have_count(attempt - 1)
        record_call(calls, Outcome.NO_ANSWER)
    target_c.refresh_from_db()
    assert target_c.status == TargetStatus.ESCALATED and target_c.failed_attempts == 4
    assert target_c.escalation_steps.get().kind == EscalationKind.EMERGENCY_CONTACT
    next_call(calls)
    expect(flash(calls)).to_contain_text("Personne à appeler pour le moment")

    # The officer sees C in the unreached list and the figures on the dashboard.
    page.reload()
    expect(main(page).locator("[data-figure=escalated]")).to_have_text("1")
    expect(main(page).locator("[data-figure=reached]")).to_have_text("2")
    expect(main(page).locator("[data-figure=pending]")).to_have_text("0")
    expect(main(page).locator("[data-figure=unreached]")).to_have_text("0")
    main(page).get_by_role("link", name="1 non joint, en escalade ou en retard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Non joints, escalades et retards")
    unreached_rows = main(page).get_by_role("table").locator("tbody tr")
    expect(unreached_rows).to_have_count(1)
    expect(unreached_rows).to_contain_text(f"{PERSON_C[0].upper()} {PERSON_C[1]}")
    expect(unreached_rows).to_contain_text(TargetStatus.ESCALATED.label)
    expect(unreached_rows).to_contain_text(EscalationKind.EMERGENCY_CONTACT.label)
    audit(page)

    # 6. No server error, no CSP error anywhere ---------------------------------------------
    assert not server_errors, server_errors
    for browser_page in (page, calls, coordination):
        assert not csp_errors(browser_page), csp_errors(browser_page)


def test_register_names_stay_hidden_from_visitors_and_volunteers(page, new_page, live_server):  # noqa: F811
    build_town()
    default_questionnaire()
    officer = staff_user(Role.REGISTER_OFFICER, email="registre@bourg-solidaire.invalid")
    entry = register_entry(
        PERSON_A,
        birth_date=datetime.date(1938, 3, 14),
        street=STREETS[0],
        emergency_contact_name="Paul Lemoine",
        emergency_contact_phone="+33199001122",
    )
    register_entry(PERSON_C, birth_date=datetime.date(1942, 9, 21), street=STREETS[3], status=EntryStatus.RECEIVED)
    episode = episode_declare(
        data={
            "kind": EpisodeKind.HEATWAVE,
            "level": EpisodeLevel.ORANGE,
            "title": "",
            "starts_on": timezone.localdate(),
            "ends_on": None,
            "notes": "",
        },
        quartiers=[],
        by=officer,
    )
    campaign = campaign_create(episode=episode, by=officer)
    target = campaign.targets.get(entry=entry)
    # A failed attempt and an escalation step, so that every campaign page has something to show.
    take_next_call(campaign, officer)
    held = held_target(campaign, officer, timezone.now())
    record_attempt(target=held, caller=officer, outcome=Outcome.WRONG_NUMBER)
    volunteer = VolunteerFactory(active=True, first_name="Camille", last_name="Lefèvre")

    public_paths = [
        "/",
        "/accessibilite/",
        "/donnees-personnelles/",
        "/devenir-volontaire/",
        "/demander-de-l-aide/",
        "/inscription-registre/",
        "/inscription-registre/merci/",
        "/mon-espace/connexion/",
    ]
    protected_paths = [
        "/gestion/registre/",
        f"/gestion/registre/?last_name={PERSON_A[0]}",
        "/gestion/registre/?phone=0199001122",
        "/gestion/registre/nouvelle/",
        "/gestion/registre/accuses-a-envoyer/",
        "/gestion/registre/confirmations/",
        "/gestion/registre/import/",
        "/gestion/registre/transmission-prefet/",
        f"/gestion/registre/{entry.pk}/",
        f"/gestion/registre/{entry.pk}/corriger/",
        f"/gestion/registre/{entry.pk}/dossier/",
        f"/gestion/registre/{entry.pk}/dossier/?format=json",
        f"/gestion/registre/{entry.pk}/informations-complementaires/",
        f"/gestion/registre/{entry.pk}/fiche-habitant/",
        f"/gestion/registre/{entry.pk}/radier/",
        f"/gestion/registre/{entry.pk}/opposition/",
        "/gestion/campagnes/",
        f"/gestion/campagnes/episodes/{episode.pk}/",
        f"/gestion/campagnes/{campaign.pk}/",
        f"/gestion/campagnes/{campaign.pk}/tableau-de-bord/",
        f"/gestion/campagnes/{campaign.pk}/non-joints/",
        f"/gestion/campagnes/{campaign.pk}/personnes/{target.pk}/",
        "/gestion/campagnes/appelants/",
        "/gestion/appels/",
        f"/gestion/appels/{campaign.pk}/",
        "/gestion/demandes/",
        "/gestion/habitants/",
        "/gestion/audit/journal/",
    ]
    hidden = [PERSON_A[0], PERSON_C[0], "Paul Lemoine"]

    anonymous = page
    server_errors = watch_server_errors(anonymous)
    for path in public_paths + protected_paths:
        assert_never_shown(anonymous, path, hidden)

    # A volunteer signed in from their magic link sees no more than the anonymous visitor.
    volunteer_page = new_page()
    watch_server_errors(volunteer_page, server_errors)
    volunteer_page.goto(re.sub(r"^https?://[^/]+", "", magic_link_url(volunteer=volunteer)))
    expect(volunteer_page.get_by_role("heading", level=1)).to_have_text("Bonjour Camille")
    for path in ["/mon-espace/", "/mon-espace/profil/", *public_paths, *protected_paths]:
        assert_never_shown(volunteer_page, path, hidden)
    expect(volunteer_page.get_by_role("button", name="Se déconnecter")).to_be_visible()  # still signed in

    # The same check does find the names on the register officer's screens.
    officer_page = new_page()
    watch_server_errors(officer_page, server_errors)
    staff_sign_in(officer_page, officer.email)
    for path in (f"/gestion/registre/{entry.pk}/", f"/gestion/campagnes/{campaign.pk}/non-joints/"):
        with pytest.raises(AssertionError, match=PERSON_A[0]):
            assert_never_shown(officer_page, path, hidden)

    assert not server_errors, server_errors
    for browser_page in (anonymous, volunteer_page):
        assert not csp_errors(browser_page), csp_errors(browser_page)


# Set-up (ORM) -------------------------------------------------------------------------------


def default_questionnaire() -> None:
    """The default heatwave questionnaire of migration campaigns 0007 (flushed between
    transactional tests, like the reference lists)."""
    migration = importlib.import_module("villesolidaire.campaigns.migrations.0007_default_questionnaire")
    migration.create(apps, None)


def register_entry(person: tuple[str, str], *, birth_date, street, status=EntryStatus.REGISTERED, **fields):
    number, street_name, _lon, _lat = street
    entry = RegisterEntry(
        last_name=person[0],
        first_names=person[1],
        birth_date=birth_date,
        ground=Ground.AGE_65,
        address=f"{number} {street_name}",
        phone=PHONES[person],
        status=status,
        origin=Origin.SELF,
        request_date=timezone.localdate() - timedelta(days=30),
        **fields,
    )
    if status == EntryStatus.REGISTERED:
        entry.acknowledged_at = timezone.now() - timedelta(days=25)
    assert locate_entry(entry)
    entry.save()
    return entry


# Browser helpers ----------------------------------------------------------------------------


def exactly(label: str) -> re.Pattern:
    """A label, whole, with or without the asterisk of required fields."""
    return re.compile(rf"^{re.escape(label)}(\s*\*)?$")


def flash(page: Page):
    """The messages shown after a redirect (the pages have other role=status regions)."""
    return main(page).locator(".messages")


def shown(person: tuple[str, str]) -> str:
    """How the call screen names a person: first names, then the last name in capitals."""
    return f"{person[1]} {person[0].upper()}"


def person_called(page: Page):
    """The heading of the call screen that names the person to call."""
    return main(page).locator("#personne")


def watch_server_errors(page: Page, errors: list[str] | None = None) -> list[str]:
    """Every response of 500 or more this page receives, as 'status URL', appended to `errors`
    (a new list when none is given) as they come: several pages can share one list."""
    errors = [] if errors is None else errors
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 500 else None,
    )
    return errors


def next_call(page: Page) -> None:
    """Take the next call from the call screen (the POST redirects back to the same URL)."""
    with page.expect_navigation(url=re.compile(r"/gestion/appels/\d+/$")):
        main(page).get_by_role("button", name="Appel suivant", exact=True).click()


def record_call(page: Page, outcome: str, *, answers: bool = False, help_request: str = "") -> None:
    form = main(page)
    form.get_by_role("group", name="Résultat de l'appel").get_by_label(Outcome(outcome).label, exact=True).check()
    if answers:
        form.get_by_label("Quelle température fait-il dans votre logement ?").select_option("Chaud (26 à 30 °C)")
        form.get_by_role("group", name="Buvez-vous suffisamment").get_by_label("Oui").check()
        form.get_by_label("Boire de l'eau régulièrement sans attendre d'avoir soif").check()
    if help_request:
        form.get_by_label("Créer une demande d'aide (la personne est d'accord)").check()
        form.get_by_label(GROCERIES, exact=True).check()
        form.get_by_label("Besoin exprimé").fill(help_request)
    # This journey takes each next call itself (the crisis-day journey lets the next call open by itself).
    form.get_by_label("Ouvrir l'appel suivant dès l'enregistrement").uncheck()
    form.get_by_role("button", name="Enregistrer l'appel", exact=True).click()
    expect(flash(page)).to_contain_text(f"Appel enregistré : {Outcome(outcome).label.lower()}.")


def assert_never_shown(page: Page, path: str, names: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 500, f"{path}: {response and response.status}"
    # The sign-in page keeps the requested URL (with the visitor's own search text) to return
    # to it afterwards: that echo of what was typed is left out, everything else is checked.
    page.evaluate("document.querySelectorAll('input[name=next]').forEach((input) => input.remove())")
    html = page.content().lower()
    for name in names:
        assert name.lower() not in html, f"{name!r} visible sur {path} ({page.url})"
