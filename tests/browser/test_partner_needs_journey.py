"""A partner's one-off need, from its posting to the hours on the dashboard, in Chromium.

A validated partner organisation signs in (password + backup code) → posts a need with two
shifts that requires a training → publishes it → tells the relevant volunteers (the one
without the training is not told, and the page says so) → a volunteer opens the link of the
SMS and signs up for a shift → the partner confirms → after the shift (time moved in the
database) records attendance → the hours appear in the volunteer's space and on the
coordinators' dashboard. Then the training gate of matching: for a help category that
requires a module, the volunteer without it is not proposed and the page says why.
axe-core audits every page of the journey, the public map and its list included.

Only the set-up uses the ORM (town, organisation and its service, staff and partner
accounts, training modules, volunteers and who holds which training, a help request); the
one DB write during the journey moves the shift into the past, to simulate its end. Links
are read back from the message log, as the volunteer would read their phone.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    audit,
    build_town,
    clear_outboxes,
    csp_errors,
    last_sms,
    link_path,
    main,
    new_page,  # noqa: F401 (fixture)
    open_current_bilan,
    staff_sign_in,
)
from tests.factories import HelpRequestFactory, ResidentFactory, VolunteerFactory, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.index import index_volunteer
from villesolidaire.needs.models import Need, NeedInvitation, NeedStatus, Shift, ShiftSignup, SignupStatus
from villesolidaire.notifications.models import Message
from villesolidaire.trainings.models import TrainingModule, VolunteerTraining

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARTNER_EMAIL = "benevoles@epicerie-du-marche.invalid"
COORDINATOR_EMAIL = "coordination@bourg-solidaire.invalid"
ORGANISATION = "Épicerie solidaire du Marché"
SERVICE = "Colis alimentaires du mardi"
NEED_TITLE = "Tri de la collecte de printemps"
FOOD_HYGIENE = "Hygiène alimentaire"
ELDERLY_CARE = "Accompagnement des personnes âgées"
# Mobiles of the volunteers (E.164, as the message log keeps them).
CAMILLE = "+33612345678"  # free on Saturday mornings, trained: told, signs up
DOMINIQUE = "+33623456789"  # free on Saturday afternoons, trained: told
SACHA = "+33634567890"  # free on Saturday mornings, without the training: not told
ALEX = "+33645678901"  # trained, but only free on Monday mornings: not told
LOU = "+33656789012"  # not in the need's domain; holds the module a help category requires


def test_partner_need_from_posting_to_hours_and_training_gate(page, new_page, live_server):  # noqa: F811 (fixture)
    started = datetime.datetime.now(datetime.UTC)
    build_town()
    clear_outboxes()
    organisation = OrganisationFactory(
        name=ORGANISATION,
        address="5 Place du Marché",
        postcode="99100",
        latitude=48.1121,
        longitude=-1.6788,
    )
    ServiceFactory(organisation=organisation, name=SERVICE)
    partner_of(organisation, email=PARTNER_EMAIL)
    staff_user(Role.COORDINATOR, email=COORDINATOR_EMAIL)
    food_hygiene = TrainingModule.objects.create(title=FOOD_HYGIENE, validity_months=24)
    promenade = HelpCategory.objects.get(slug="promenade")
    elderly_care = TrainingModule.objects.create(title=ELDERLY_CARE)
    elderly_care.required_for_categories.set([promenade])
    volunteers = {
        CAMILLE: volunteer("Camille", "Lefèvre", CAMILLE, free_on="sat_am", trainings=[food_hygiene]),
        DOMINIQUE: volunteer("Dominique", "Morel", DOMINIQUE, free_on="sat_pm", trainings=[food_hygiene]),
        SACHA: volunteer("Sacha", "Girard", SACHA, free_on="sat_am", categories=[promenade]),
        ALEX: volunteer("Alex", "Petit", ALEX, free_on="mon_am", trainings=[food_hygiene]),
        LOU: volunteer(
            "Lou", "Bernard", LOU, free_on="sat_am", domains=[], categories=[promenade], trainings=[elderly_care]
        ),
    }
    # A walk in the park: a help category whose volunteers must hold the elderly-care module.
    help_request = HelpRequestFactory(
        resident=ResidentFactory(located=True, latitude=48.1101, longitude=-1.6798),
        category=promenade,
        description="Une promenade au parc le samedi après-midi.",
    )
    saturday = next_saturday()
    server_errors: list[str] = []

    # The coordinators' dashboard before anything happens ---------------------------------
    coordination = new_page()
    watch_server_errors(coordination, server_errors)
    staff_sign_in(coordination, COORDINATOR_EMAIL)
    assert shift_figures(coordination) == ("0", "0")
    audit(coordination)

    # 1. The partner signs in and posts a need with two shifts ------------------------------
    partner = page
    watch_server_errors(partner, server_errors)
    staff_sign_in(partner, PARTNER_EMAIL)
    partner_nav = partner.get_by_role("navigation", name="Navigation principale")
    partner_nav.get_by_role("link", name="Espace partenaire").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    audit(partner)
    partner_nav.get_by_role("link", name="Nos besoins de volontaires").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Besoins ponctuels")
    expect(main(partner)).to_contain_text("Aucun besoin pour le moment.")
    audit(partner)
    main(partner).get_by_role("link", name="Poster un besoin").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Poster un besoin de volontaires")
    audit(partner)
    form = main(partner)
    expect(form.get_by_label(exactly("Posté par"))).to_have_value(str(organisation.pk))
    form.get_by_label(exactly("Titre")).fill(NEED_TITLE)
    form.get_by_label(exactly("Description")).fill("Trier les denrées de la collecte et préparer les colis.")
    form.get_by_label(exactly("Rythme")).fill("Une matinée ou un après-midi")
    form.get_by_label(exactly("Adresse")).fill("3 Place du Marché")
    form.get_by_label(exactly("Code postal")).fill("99100")
    form.get_by_label(exactly("Commune")).fill("Bourg-Solidaire")
    form.get_by_label("Solidarité", exact=True).check()
    form.get_by_label(FOOD_HYGIENE, exact=True).check()
    form.get_by_role("button", name="Enregistrer").click()
    expect(flash(partner)).to_contain_text("Besoin enregistré en brouillon")
    expect(partner.get_by_role("heading", level=1)).to_have_text(NEED_TITLE)
    need = Need.objects.get()
    assert need.organisation == organisation and need.status == NeedStatus.DRAFT
    assert need.is_located and need.quartier is not None  # placed on the town's BAN rows
    assert list(need.trainings.all()) == [food_hygiene]

    add_shift(partner, saturday, "09:00", "12:00", places=2)
    add_shift(partner, saturday, "14:00", "17:00", places=3)
    expect(shift_cards(partner)).to_have_count(2)
    main(partner).get_by_role("button", name="Publier").click()
    expect(flash(partner)).to_contain_text("Besoin « publié ».")

    # … and tells the relevant volunteers: not the one without the required training.
    notify = main(partner).get_by_role("region", name="Prévenir les volontaires")
    expect(notify).to_contain_text("dont 1 sans la formation requise, qui ne seront pas prévenu·es")
    audit(partner)
    notify.get_by_role("button", name="Prévenir 2 volontaires").click()
    # Nothing leaves before the partner has read the text and confirmed the number of people.
    confirm = main(partner).get_by_role("region", name="Vous allez envoyer ce message à 2 personnes")
    expect(confirm).to_contain_text("Besoin de volontaires")
    assert not NeedInvitation.objects.filter(need=need).exists()
    audit(partner)
    confirm.get_by_role("button", name="Confirmer l'envoi").click()
    expect(flash(partner)).to_contain_text("Les volontaires concerné·es vont être prévenu·es")
    expect(notify).to_contain_text("2 volontaires déjà prévenu·es")
    expect(notify).to_contain_text("Personne d'autre à prévenir pour l'instant.")
    told = set(NeedInvitation.objects.filter(need=need).values_list("volunteer_id", flat=True))
    assert told == {volunteers[CAMILLE].pk, volunteers[DOMINIQUE].pk}
    invited_to = set(Message.objects.filter(kind="need_invitation").values_list("recipient", flat=True))
    assert invited_to == {CAMILLE, DOMINIQUE}

    # 2. A visitor finds the partner on the map; the volunteer signs up from the SMS --------
    visitor = new_page(viewport={"width": 375, "height": 812})
    watch_server_errors(visitor, server_errors)
    visitor.goto("/")
    visitor.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Carte solidaire").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Cartographie de la générosité")
    expect(visitor.locator("#carte-etat")).to_have_text("1 service(s) placé(s) sur la carte.")
    expect(visitor.locator("#carte-partenaires canvas")).to_be_visible()
    audit(visitor)
    # The list holds the same services and leads to the organisation's page.
    expect(main(visitor).get_by_role("heading", level=3)).to_have_text([SERVICE])
    main(visitor).get_by_role("link", name=SERVICE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    audit(visitor)
    visitor.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Besoins de volontaires"
    ).click()
    main(visitor).get_by_role("link", name=NEED_TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NEED_TITLE)
    expect(main(visitor)).to_contain_text(FOOD_HYGIENE)
    expect(shift_cards(visitor)).to_have_count(2)
    audit(visitor)

    invitation_sms = last_sms(CAMILLE, "/besoins/invitation/")
    stored = Message.objects.get(recipient=CAMILLE, kind="need_invitation").body
    assert "[lien personnel]" in stored and "/besoins/invitation/" not in stored
    visitor.goto(link_path(invitation_sms, "/besoins/invitation/"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NEED_TITLE)
    audit(visitor)
    morning = shift_cards(visitor).filter(has_text="09:00 – 12:00")
    expect(morning).to_contain_text("2 places libres")
    morning.get_by_role("button", name="Je m'inscris").click()
    expect(flash(visitor)).to_contain_text("Votre inscription est enregistrée, l'organisation va la confirmer.")
    expect(morning).to_contain_text("Vous êtes inscrit·e : à confirmer")
    expect(morning).to_contain_text("1 place libre")
    audit(visitor)
    signup = ShiftSignup.objects.select_related("shift").get()
    assert signup.volunteer_id == volunteers[CAMILLE].pk and signup.status == SignupStatus.PENDING
    assert timezone.localtime(signup.shift.starts_at).time() == datetime.time(9)
    # The SMS is written in GSM-7: "reçue" loses its cedilla.
    assert "/besoins/inscription/" in last_sms(CAMILLE, "Inscription recue")

    # 3. The partner confirms; after the shift, records attendance --------------------------
    partner.reload()
    row = signup_row(partner, "Camille Lefèvre")
    expect(row).to_contain_text("À confirmer")
    row.get_by_role("button", name="Confirmer").click()
    expect(flash(partner)).to_contain_text("Inscription de Camille confirmée.")
    expect(signup_row(partner, "Camille Lefèvre")).to_contain_text("Confirmée")
    expect(signup_row(partner, "Camille Lefèvre").get_by_role("link", name="Noter la présence")).to_have_count(0)
    # The volunteer's own link (in the confirmation SMS) shows the confirmed sign-up.
    visitor.goto(link_path(last_sms(CAMILLE, "Confirmé"), "/besoins/inscription/"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Mon inscription : {NEED_TITLE}")
    expect(main(visitor)).to_contain_text("Confirmée")
    expect(main(visitor).get_by_role("button", name="Annuler mon inscription")).to_be_visible()
    audit(visitor)

    # The shift took place: three hours, ended an hour ago.
    now = timezone.now()
    Shift.objects.filter(pk=signup.shift_id).update(
        starts_at=now - datetime.timedelta(hours=4), ends_at=now - datetime.timedelta(hours=1)
    )
    partner.reload()
    signup_row(partner, "Camille Lefèvre").get_by_role("link", name="Noter la présence").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Présence de Camille Lefèvre")
    expect(main(partner)).to_contain_text(re.compile(r"\(3(,00)? h\)"))
    audit(partner)
    main(partner).get_by_label("Présent·e", exact=True).check()
    main(partner).get_by_label(exactly("Heures")).fill("2.5")  # the browser sends a number field's value with a dot
    main(partner).get_by_role("button", name="Enregistrer").click()
    expect(flash(partner)).to_contain_text("Présence enregistrée.")
    expect(signup_row(partner, "Camille Lefèvre")).to_contain_text("présent·e, 2,50 h")
    signup.refresh_from_db()
    assert signup.attended is True and signup.hours == Decimal("2.5")

    # 4. The hours in the volunteer's space (magic link) and on the dashboard ---------------
    visitor.goto("/")
    visitor.get_by_role("link", name="Espace volontaire").click()
    visitor.get_by_label("Votre adresse e-mail ou votre numéro de mobile").fill("06 12 34 56 78")
    main(visitor).get_by_role("button", name="Recevoir mon lien de connexion").click()
    expect(visitor).to_have_url(re.compile(r"/mon-espace/connexion/lien-envoye/$"))
    visitor.goto(link_path(last_sms(CAMILLE, "lien de connexion"), "/mon-espace/"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Bonjour Camille")
    my_shifts = main(visitor).get_by_role("region", name="Mes créneaux de bénévolat")
    expect(my_shifts).to_contain_text("Heures de bénévolat sur les créneaux : 2,5 h (1 créneau).")
    audit(visitor)
    visitor.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Mes créneaux").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Mes créneaux")
    expect(main(visitor).get_by_role("region", name="Créneaux passés")).to_contain_text(f"{NEED_TITLE} : 2,50 h")
    audit(visitor)

    assert shift_figures(coordination) == ("2,5", "1")
    audit(coordination)

    # 5. Training gate: matching for a category that requires a module ----------------------
    nav = coordination.get_by_role("navigation", name="Navigation principale")
    nav.get_by_role("link", name="Demandes").click()
    main(coordination).get_by_role("link", name=str(help_request.pk), exact=True).click()
    expect(coordination.get_by_role("heading", level=1)).to_contain_text(f"Demande n° {help_request.pk}")
    main(coordination).get_by_role("link", name="Trouver un·e volontaire").click()
    expect(coordination.get_by_role("heading", level=1)).to_contain_text("Mise en relation")
    expect(main(coordination).locator("#formations-exigees")).to_contain_text(
        f"1 volontaire correspondant exclu : formation « {ELDERLY_CARE} » manquante."
    )
    suggestions = main(coordination).get_by_role("table").first.locator("tbody tr")
    expect(suggestions).to_have_count(1)
    expect(suggestions.get_by_role("rowheader")).to_contain_text("Lou Bernard")
    expect(main(coordination).get_by_role("table").first).not_to_contain_text("Sacha")
    audit(coordination)

    # 6. No server error, no CSP error anywhere --------------------------------------------
    assert not server_errors, server_errors
    for browser_page in (partner, visitor, coordination):
        assert not csp_errors(browser_page), csp_errors(browser_page)
    elapsed = (datetime.datetime.now(datetime.UTC) - started).total_seconds()
    print(f"Parcours partenaire → heures → formation exigée : {elapsed:.1f} s")


# Set-up (ORM) -------------------------------------------------------------------------------


def volunteer(first_name, last_name, phone, *, free_on, domains=("solidarity",), categories=(), trainings=()):
    """An active volunteer near the market place (Rue des Tilleuls), free on one weekly slot,
    holding `trainings` since last month; indexed for matching."""
    person = VolunteerFactory(
        active=True,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        latitude=48.1100,
        longitude=-1.6800,
        max_distance_km=3,
        availability=AVAILABILITY.to_mask([free_on]),
        domains=ENGAGEMENT_DOMAINS.to_mask(domains),
        categories=list(categories),
    )
    for module in trainings:
        VolunteerTraining.objects.create(
            volunteer=person, module=module, completed_on=timezone.localdate() - datetime.timedelta(days=30)
        )
    index_volunteer(person)
    return person


def next_saturday() -> datetime.date:
    """A Saturday at least a week ahead (shifts must be to come, whatever the day of the run)."""
    today = timezone.localdate()
    return today + datetime.timedelta(days=(5 - today.weekday()) % 7 + 7)


# Browser helpers ----------------------------------------------------------------------------


def exactly(label: str) -> re.Pattern:
    """A label, whole, with or without the asterisk of required fields."""
    return re.compile(rf"^{re.escape(label)}(\s*\*)?$")


def flash(page: Page):
    """The messages shown after a redirect."""
    return main(page).locator(".messages")


def shift_cards(page: Page):
    return main(page).get_by_role("article")


def signup_row(page: Page, name: str):
    return main(page).get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def add_shift(page: Page, day: datetime.date, start: str, end: str, *, places: int) -> None:
    shift_form = main(page).get_by_role("group", name="Ajouter un créneau")
    shift_form.get_by_label(exactly("Jour")).fill(day.isoformat())
    shift_form.get_by_label(exactly("Début")).fill(start)
    shift_form.get_by_label(exactly("Fin")).fill(end)
    shift_form.get_by_label(exactly("Places")).fill(str(places))
    shift_form.get_by_role("button", name="Ajouter").click()
    expect(flash(page)).to_contain_text("Créneau ajouté.")
    expect(shift_cards(page).filter(has_text=f"{start} – {end}")).to_contain_text(f"0 / {places} place")


def shift_figures(page: Page) -> tuple[str, str]:
    """« Heures de bénévolat sur les créneaux » and « Participations aux créneaux », as shown."""
    open_current_bilan(page)
    table = main(page).get_by_role("region", name="Tableau de tous les indicateurs")
    hours = table.get_by_role("row", name=re.compile("^Heures de bénévolat sur les créneaux")).locator("td").first
    participations = table.get_by_role("row", name=re.compile("^Participations aux créneaux")).locator("td").first
    return hours.inner_text().strip(), participations.inner_text().strip()


def watch_server_errors(page: Page, errors: list[str]) -> None:
    """Add to `errors` every response of 500 or more this page receives, as 'status URL'."""
    page.on(
        "response",
        lambda response: errors.append(f"{response.status} {response.url}") if response.status >= 500 else None,
    )
