"""Permission matrix of the « élu·e / direction » role: it sees no name anywhere.

Every URL pattern of the project (the Django admin's included) is opened by a signed-in official
(second factor passed), with GET and with an empty POST, its path parameters filled with the ids
of real objects around named people (all called « Testnom »). Each answer is a refusal (404,
403, 405, a redirection to a login page or to one of the pages listed below) or one of the pages
the official may read, listed in READABLE; whatever the status, no body (HTML, CSV, XLSX, PDF)
holds the name, phone number or e-mail address of any of those people.

A URL pattern with a path parameter that PARAMETERS does not know fails the test: a new page is
added to the matrix, never skipped. No-login links (a token in the path) are opened with a token
nobody holds: the token is the right of the person it was sent to, not a role's.
"""

import datetime
import io
import re
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    QuartierFactory,
    ResidentFactory,
    SupportFactory,
    TownFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.campaigns import accredited_caller, campaign_for
from tests.factories.crises import episode_with
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from tests.factories.neighbours import NeighbourFactory, NetworkFactory
from tests.factories.partners import OrganisationFactory, ServiceFactory, partner_of
from tests.factories.register import RegisterEntryFactory
from tests.factories.trainings import SessionRegistrationFactory, TrainingSessionFactory
from tests.pdf import pdf_text
from villesolidaire.accounts.enums import Role
from villesolidaire.api.models import WebhookDelivery
from villesolidaire.api.services import api_key_create, webhook_subscribe
from villesolidaire.campaigns.models import Briefing, CallerAccreditation, CallTarget
from villesolidaire.campaigns.services.call_sheets import call_sheet_create
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import RescheduleRequest
from villesolidaire.needs.models import NeedNotification
from villesolidaire.neighbours.models import Alert
from villesolidaire.notifications.models import CallTask, Channel, Message
from villesolidaire.operations.selectors import LISTED_KINDS
from villesolidaire.partners.models import ChangeKind, OrganisationContact, PendingChange
from villesolidaire.register.models import RegisterImport, RoleDesignation
from villesolidaire.residents.models import ResidentContact

# The pages an official opens with a 200 (GET): the figures, and the pages anyone may open.
READABLE = {
    "reporting:dashboard",
    "reporting:export_csv",
    "reporting:export_xlsx",
    "reporting:pdf",
    "reporting:episode_report",
    "reporting:episode_report_pdf",
    "reporting:episode_report_xlsx",
    "reporting:public_figures",
    # Public pages (no login needed): the same for everyone.
    "core:accessibility",
    "core:privacy",
    "core:theme_css",
    "core:health",
    "accounts:login",
    "accounts:otp",  # the second-factor page answers a verified account too
    "accounts:password_change",  # their own password: a form, nobody else's data
    "volunteers:signup",
    "volunteers:signup_thanks",
    "volunteers:magic_link_request",
    "volunteers:magic_link_sent",
    "help_requests:public_form",
    "register:public_form",
    "register:paper_form",
    "partners:map",
    "partners:map_data",
    "partners:public_organisation",
    "partners:propose",
    "partners:propose_thanks",
    "surveys:answer_thanks",  # a thank-you page with no data
    "partners:password_setup_done",
    "partners:password_setup",  # with a token nobody holds: « lien invalide », nothing else
    "partners:open_data",
    "partners:open_data_structures",
    "partners:open_data_services",
    "needs:public_list",
    "needs:public_detail",
    "needs:feed",
    "territory:address_search",
    # The API's public directory and its description (a session is no key: the rest answers 401).
    "api:schema",
    "api:reference",
    "api:organisation-list",
    "api:organisation-detail",
    "api:service-list",
    "api:service-detail",
    "api:help-category-list",
    "api:help-category-detail",
    # The admin's login page: « authenticated as …, but not authorised » (the official's own address).
    "admin:login",
}

# Redirections that are not to a login page: where they go (a name, reversed).
REDIRECTS = {
    "core:home": "reporting:dashboard",  # the official's home
    "core:favicon": None,  # to the static file
    "accounts:otp_enrol": "accounts:otp",  # already paired
    # A thank-you page without a form just sent goes back to the form.
    "help_requests:public_confirmation": "help_requests:public_form",
    "register:public_confirmation": "register:public_form",
    "admin:logout": "admin:index",  # which sends to the admin's login
    "reporting:old_dashboard": "reporting:dashboard",  # the dashboard's former address
    "reporting:refresh": "reporting:dashboard",  # a GET recalculates nothing (after signing in again)
}

LOGIN_PAGES = ("/comptes/connexion/", "/admin/login/", "/mon-espace/connexion/")
REFUSALS = {401, 403, 404, 405}
NOBODY_HOLDS = "jeton-que-personne-ne-detient"


# -- The people ---------------------------------------------------------------------------------------------------

PHONES = {
    "germaine": "+33199000101",
    "germaine_mobile": "+33639980101",
    "ludovic": "+33639980102",
    "paulette": "+33199000103",
    "raymonde": "+33199000104",
    "simone": "+33199000105",
    "marcel": "+33639980106",
    "odile": "+33199000107",
}


def _french(e164: str) -> str:
    digits = "0" + e164[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def _identifiers(world) -> list[str]:
    names = [
        "Testnom",
        "Germaine",
        "Ludovic",
        "Paulette",
        "Raymonde",
        "Simone",
        "Marcel",
        "Odile",
        "Yvette",
        "Bernadette",
        "Hervé",
    ]
    phones = [form for e164 in PHONES.values() for form in (e164, _french(e164), "0" + e164[3:])]
    return names + phones + world["emails"]


@pytest.fixture
def world():
    """One of each object a URL names, around people called Testnom."""
    TownFactory(publish_figures=True)
    nord = QuartierFactory(name="Nord", code="nord")
    courses = HelpCategory.objects.get(slug="courses")
    coordinator = staff_user(Role.COORDINATOR, first_name="Bernadette", last_name="Testnom")
    officer = staff_user(Role.REGISTER_OFFICER, first_name="Hervé", last_name="Testnom", email="herve@testnom.fr")
    resident = ResidentFactory(
        first_name="Germaine",
        last_name="Testnom",
        phone=PHONES["germaine"],
        mobile=PHONES["germaine_mobile"],
        quartier=nord,
    )
    contact = ResidentContact.objects.create(
        resident=resident, name="Paulette Testnom", relation="fille", phone=PHONES["paulette"]
    )
    volunteer = VolunteerFactory(
        active=True,
        first_name="Ludovic",
        last_name="Testnom",
        phone=PHONES["ludovic"],
        quartier=nord,
        user__email="ludovic@testnom.fr",
        user__first_name="Ludovic",
        user__last_name="Testnom",
        categories=[courses],
    )
    help_request = HelpRequestFactory(resident=resident, category=courses)
    support = SupportFactory(help_request=help_request, volunteer=volunteer)
    done = MissionFactory(
        support=support, status=MissionStatus.DONE, scheduled_at=timezone.now() - datetime.timedelta(days=2)
    )
    planned = MissionFactory(support=support, scheduled_at=timezone.now() + datetime.timedelta(days=2))
    reschedule = RescheduleRequest.objects.create(
        mission=planned, wished_at=timezone.now() + datetime.timedelta(days=3), note="Ludovic Testnom"
    )
    message = Message.objects.create(
        channel=Channel.SMS, recipient=PHONES["ludovic"], body="Bonjour Ludovic Testnom", kind="test"
    )
    call_task = CallTask.objects.create(resident=resident, reason="Rappeler Germaine Testnom", kind="test")

    entry = RegisterEntryFactory(
        first_names="Raymonde",
        last_name="Testnom",
        phone=PHONES["raymonde"],
        quartier=nord,
        emergency_contact_name="Simone Testnom (fille)",
        emergency_contact_phone=PHONES["simone"],
    )
    register_import = RegisterImport.objects.create(origin=RegisterImport._meta.get_field("origin").choices[0][0])
    designee = staff_user(Role.COORDINATOR, first_name="Yvette", last_name="Testnom")
    designation = RoleDesignation.objects.create(
        user=designee,
        role=Role.CALLER,
        designated_by="Le maire",
        decision_reference="arrêté n° 1",
        decision_date=datetime.date(2026, 1, 1),
        proposed_by=officer,
    )
    campaign = campaign_for(episode_with(nord), by=officer, now=timezone.now() - datetime.timedelta(minutes=5))
    target = CallTarget.objects.filter(campaign=campaign).first()
    caller = accredited_caller(by=officer)
    accreditation = CallerAccreditation.objects.get(user=caller)
    sheet = call_sheet_create(campaign=campaign, caller=caller, size=1, hours=2)
    briefing = Briefing.objects.create(episode=campaign.episode, text="Disponible ?")

    organisation = OrganisationFactory()
    service = ServiceFactory(organisation=organisation)
    partner_contact = OrganisationContact.objects.create(
        organisation=organisation, name="Odile Testnom", email="odile@testnom.fr", phone=PHONES["odile"]
    )
    partner = partner_of(organisation, first_name="Yvette", last_name="Testnom")
    change = PendingChange.objects.create(
        organisation=organisation, kind=ChangeKind.ORGANISATION, target_key="organisation", proposed={}
    )

    session = TrainingSessionFactory()
    registration = SessionRegistrationFactory(session=session, volunteer=volunteer)

    need = NeedFactory(created_by=coordinator)
    shift = ShiftFactory(need=need)
    signup = SignupFactory(shift=shift, volunteer=volunteer)
    notification = NeedNotification.objects.create(need=need, recipient_count=60)

    network = NetworkFactory(referent=volunteer, created_by=coordinator)
    neighbour = NeighbourFactory(network=network, first_name="Marcel", last_name="Testnom", phone=PHONES["marcel"])
    alert = Alert.objects.create(network=network, raised_by=volunteer, text="Marcel Testnom ne répond plus")

    # The evaluation step: a consented comment naming people (a quote to review) and a questionnaire wave.
    from villesolidaire.missions.services import evaluation_record
    from villesolidaire.surveys.models import Quote, SurveyWave

    evaluation = evaluation_record(
        support=support,
        author="resident",
        rating=5,
        comment="Ludovic Testnom est venu chez Germaine Testnom",
        quote_consent=True,
        by=coordinator,
    )
    wave = SurveyWave.objects.create(
        period_start=timezone.localdate() - datetime.timedelta(days=30),
        period_end=timezone.localdate(),
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )

    assert target is not None and done.pk
    api_key = api_key_create(
        name="Logiciel du CCAS",
        role=Role.COORDINATOR,
        scopes=["help_requests:read"],
        expires_at=timezone.now() + datetime.timedelta(days=30),
        by=coordinator,
    ).key
    webhook = webhook_subscribe(
        key=api_key, url="https://ccas.example.fr/evenements", events=["mission.done"], by=coordinator
    ).subscription
    delivery = WebhookDelivery.objects.create(
        subscription=webhook, event="mission.done", payload={"data": {"id": planned.pk}}
    )
    return {
        "api_key": api_key,
        "webhook": webhook,
        "delivery": delivery,
        "quote": Quote.objects.get(evaluation=evaluation),
        "wave": wave,
        "emails": [coordinator.email, officer.email, "ludovic@testnom.fr", "odile@testnom.fr", designee.email],
        "resident": resident,
        "contact": contact,
        "volunteer": volunteer,
        "help_request": help_request,
        "support": support,
        "mission": planned,
        "reschedule": reschedule,
        "message": message,
        "call_task": call_task,
        "entry": entry,
        "import": register_import,
        "designation": designation,
        "campaign": campaign,
        "episode": campaign.episode,
        "target": target,
        "accreditation": accreditation,
        "sheet": sheet,
        "briefing": briefing,
        "organisation": organisation,
        "service": service,
        "partner_contact": partner_contact,
        "change": change,
        "partner": partner,
        "module": session.module,
        "session": session,
        "registration": registration,
        "need": need,
        "shift": shift,
        "signup": signup,
        "notification": notification,
        "network": network,
        "neighbour": neighbour,
        "alert": alert,
    }


# -- The URLs -----------------------------------------------------------------------------------------------------


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield entry, f"{namespace}{entry.name}" if entry.name else None


def _pk(key):
    return lambda w: w[key].pk


# Path parameters by URL name: each a function of the world giving the value.
PARAMETERS = {
    "volunteers:detail": {"pk": _pk("volunteer")},
    "volunteers:change_status": {"pk": _pk("volunteer")},
    "residents:detail": {"pk": _pk("resident")},
    "residents:edit": {"pk": _pk("resident")},
    "residents:merge": {"pk": _pk("resident")},
    "residents:contact_add": {"pk": _pk("resident")},
    "residents:contact_delete": {"pk": _pk("resident"), "contact_pk": _pk("contact")},
    "help_requests:detail": {"pk": _pk("help_request")},
    "help_requests:episode": {"pk": _pk("help_request")},
    "needs:staff_episode": {"pk": _pk("need")},
    "help_requests:edit": {"pk": _pk("help_request")},
    "help_requests:transition": {"pk": _pk("help_request")},
    "matching:request_matching": {"pk": _pk("help_request")},
    "matching:offer_response": {"token": lambda w: NOBODY_HOLDS},
    "matching:invite_for_training": {"module_pk": _pk("module"), "request_pk": _pk("help_request")},
    "missions:support_detail": {"pk": _pk("support")},
    "missions:mission_add": {"pk": _pk("support")},
    "missions:support_end": {"pk": _pk("support")},
    "missions:resident_evaluation": {"pk": _pk("support")},
    "missions:mission_cancel": {"pk": _pk("mission")},
    "missions:mission_reimburse": {"pk": _pk("mission")},
    "missions:reschedule_accept": {"pk": _pk("reschedule")},
    "missions:reschedule_refuse": {"pk": _pk("reschedule")},
    "missions:mission_report": {"pk": _pk("mission")},
    "missions:mission_reschedule": {"pk": _pk("mission")},
    "missions:support_by_link": {"token": lambda w: NOBODY_HOLDS},
    "missions:link_mission_report": {"token": lambda w: NOBODY_HOLDS, "pk": _pk("mission")},
    "missions:link_mission_reschedule": {"token": lambda w: NOBODY_HOLDS, "pk": _pk("mission")},
    "missions:volunteer_evaluation": {"pk": _pk("support")},
    "notifications:resend": {"pk": _pk("message")},
    "notifications:call_task_done": {"pk": _pk("call_task")},
    # A list: one URL per variant.
    "operations:listed": [{"key": lambda w, kind=kind: kind} for kind in LISTED_KINDS],
    "campaigns:daily_report": [{"pk": _pk("campaign"), "fmt": lambda w, fmt=fmt: fmt} for fmt in ("csv", "xlsx")],
    "register:import_detail": {"pk": _pk("import")},
    **{
        f"register:{page}": {"pk": _pk("entry")}
        for page in (
            "detail",
            "edit",
            "acknowledge",
            "acknowledgement_letter",
            "information_letter",
            "confirmation_letter",
            "confirm",
            "objection",
            "remove",
            "extras",
            "extras_withdraw",
            "link_resident",
            "unlink_resident",
            "dossier",
        )
    },
    "register:designation_approve": {"pk": _pk("designation")},
    "register:designation_refuse": {"pk": _pk("designation")},
    "campaigns:episode_detail": {"pk": _pk("episode")},
    "campaigns:episode_edit": {"pk": _pk("episode")},
    "campaigns:episode_close": {"pk": _pk("episode")},
    "campaigns:campaign_create": {"episode_pk": _pk("episode")},
    "reporting:episode_report": {"pk": _pk("episode")},
    "surveys:wave_detail": {"pk": _pk("wave")},
    "surveys:quote_edit": {"pk": _pk("quote")},
    "surveys:call_answer": {"pk": _pk("call_task")},
    "surveys:answer": {"token": lambda w: NOBODY_HOLDS},
    "reporting:episode_report_pdf": {"pk": _pk("episode")},
    "reporting:episode_report_xlsx": {"pk": _pk("episode")},
    "campaigns:caller_revoke": {"pk": _pk("accreditation")},
    "campaigns:campaign_detail": {"pk": _pk("campaign")},
    "campaigns:campaign_transition": {"pk": _pk("campaign")},
    "campaigns:campaign_refresh": {"pk": _pk("campaign")},
    "campaigns:sms_wave": {"pk": _pk("campaign")},
    "campaigns:dashboard": {"pk": _pk("campaign")},
    "campaigns:unreached": {"pk": _pk("campaign")},
    "campaigns:target_detail": {"pk": _pk("campaign"), "target_pk": _pk("target")},
    "campaigns:briefing_detail": {"pk": _pk("briefing")},
    "campaigns:briefing_reactivate": {"pk": _pk("briefing")},
    "campaigns:briefing_answer": {"token": lambda w: NOBODY_HOLDS},
    "campaigns:call": {"pk": _pk("campaign")},
    "campaigns:call_next": {"pk": _pk("campaign")},
    "campaigns:call_release": {"pk": _pk("campaign")},
    "campaigns:call_emergency_contact": {"pk": _pk("campaign")},
    "campaigns:call_sheet_create": {"pk": _pk("campaign")},
    "campaigns:call_sheet": {"pk": _pk("sheet")},
    "campaigns:call_sheet_pdf": {"pk": _pk("sheet")},
    "campaigns:call_sheet_results": {"pk": _pk("sheet")},
    "campaigns:sms_inbound": {"token": lambda w: NOBODY_HOLDS},
    "partners:public_organisation": {"pk": _pk("organisation")},
    "partners:password_setup": {
        "uidb64": lambda w: urlsafe_base64_encode(force_bytes(w["partner"].pk)),
        "token": lambda w: NOBODY_HOLDS,
    },
    "partners:partner_organisation": {"pk": _pk("organisation")},
    "partners:partner_organisation_edit": {"pk": _pk("organisation")},
    "partners:partner_service_create": {"pk": _pk("organisation")},
    "partners:partner_service_edit": {"pk": _pk("organisation"), "service_pk": _pk("service")},
    "partners:partner_contact_add": {"pk": _pk("organisation")},
    "partners:partner_contact_delete": {"pk": _pk("organisation"), "contact_pk": _pk("partner_contact")},
    "partners:request_refer": {"pk": _pk("help_request")},
    "partners:support_hand_over": {"pk": _pk("support")},
    "partners:change_review": {"pk": _pk("change")},
    "partners:organisation_detail": {"pk": _pk("organisation")},
    "partners:organisation_edit": {"pk": _pk("organisation")},
    "partners:organisation_status": {"pk": _pk("organisation")},
    "partners:organisation_add_account": {"pk": _pk("organisation")},
    "trainings:module_detail": {"pk": _pk("module")},
    "trainings:module_edit": {"pk": _pk("module")},
    "trainings:module_delete": {"pk": _pk("module")},
    "trainings:module_holders": {"pk": _pk("module")},
    "trainings:module_invite": {"pk": _pk("module")},
    "trainings:record_completion": {"pk": _pk("module")},
    "trainings:session_create": {"module_pk": _pk("module")},
    "trainings:session_detail": {"pk": _pk("session")},
    "trainings:session_edit": {"pk": _pk("session")},
    "trainings:session_register": {"pk": _pk("session")},
    "trainings:session_attendance": {"pk": _pk("session")},
    "trainings:session_cancel": {"pk": _pk("session")},
    "trainings:registration_cancel": {"pk": _pk("registration")},
    "trainings:self_register": {"pk": _pk("session")},
    "trainings:self_cancel": {"pk": _pk("registration")},
    "trainings:invitation": {"token": lambda w: NOBODY_HOLDS},
    "needs:public_detail": {"pk": _pk("need")},
    "needs:space_signup": {"pk": _pk("need")},
    "needs:invitation": {"token": lambda w: NOBODY_HOLDS},
    "needs:signup_link": {"token": lambda w: NOBODY_HOLDS},
    "needs:notification_decide": {"pk": _pk("notification")},
    "neighbours:alert_handled": {"pk": _pk("alert")},
    "neighbours:detail": {"pk": _pk("network")},
    "neighbours:edit": {"pk": _pk("network")},
    "neighbours:referents": {"pk": _pk("network")},
    "neighbours:status": {"pk": _pk("network")},
    "neighbours:neighbour_add": {"pk": _pk("network")},
    "neighbours:state_records": {"pk": _pk("network")},
    "neighbours:neighbour_edit": {"pk": _pk("neighbour")},
    "neighbours:consent_record": {"pk": _pk("neighbour")},
    "neighbours:consent_withdraw": {"pk": _pk("neighbour")},
    "neighbours:referent_network": {"pk": _pk("network")},
    "neighbours:referent_state_record": {"pk": _pk("network")},
    "neighbours:referent_alert": {"pk": _pk("network")},
    "api:key_detail": {"pk": _pk("api_key")},
    "api:key_rotate": {"pk": _pk("api_key")},
    "api:key_revoke": {"pk": _pk("api_key")},
    "api:webhook_add": {"pk": _pk("api_key")},
    "api:webhook_remove": {"pk": _pk("api_key"), "subscription_pk": _pk("webhook")},
    "api:delivery_replay": {"pk": _pk("api_key"), "delivery_pk": _pk("delivery")},
    "api:help-request-detail": {"pk": _pk("help_request")},
    "api:help-request-transition": {"pk": _pk("help_request")},
    "api:resident-detail": {"pk": _pk("resident")},
    "api:volunteer-detail": {"pk": _pk("volunteer")},
    "api:volunteer-status": {"pk": _pk("volunteer")},
    "api:support-detail": {"pk": _pk("support")},
    "api:mission-detail": {"pk": _pk("mission")},
    "api:need-detail": {"pk": _pk("need")},
    "api:campaign-detail": {"pk": _pk("campaign")},
    "api:organisation-detail": {"pk": _pk("organisation")},
    "api:service-detail": {"pk": _pk("service")},
    "api:help-category-detail": {"slug": lambda w: "courses"},
    "api:telephony-calls": {"provider": lambda w: "generic"},
}
# The needs pages exist twice (staff and partner space), with the same parameters.
for _space in ("staff", "partner"):
    PARAMETERS |= {
        f"needs:{_space}_detail": {"pk": _pk("need")},
        f"needs:{_space}_edit": {"pk": _pk("need")},
        f"needs:{_space}_status": {"pk": _pk("need")},
        f"needs:{_space}_shift_add": {"pk": _pk("need")},
        f"needs:{_space}_shift_delete": {"pk": _pk("need"), "shift_pk": _pk("shift")},
        f"needs:{_space}_notify": {"pk": _pk("need")},
        **{
            f"needs:{_space}_signup_{action}": {"pk": _pk("need"), "signup_pk": _pk("signup")}
            for action in ("confirm", "cancel", "attendance")
        },
    }


def _admin_value(pattern: URLPattern, parameter: str, world) -> str:
    """The admin's parameters: a real row of the page's model, the app of the accounts, …"""
    model_admin = getattr(pattern.callback, "model_admin", None)
    if parameter == "object_id":
        row = model_admin.model.objects.first() if model_admin else None
        return str((row or world["resident"]).pk)
    if parameter == "app_label":
        return "accounts"
    if parameter == "content_type_id":
        return str(ContentType.objects.get_for_model(world["resident"]).pk)
    if parameter == "url":
        return "inconnu/"
    if parameter == "id":  # the user admin's password page
        return str(world["volunteer"].user_id)
    raise AssertionError(f"admin parameter {parameter} of {pattern.pattern} is not in the matrix")


def _urls(world) -> list[tuple[str, str]]:
    """(name, URL) for every pattern; a parameter the matrix does not know fails the test."""
    urls = []
    for pattern, name in _walk(get_resolver().url_patterns):
        parameters = sorted(pattern.pattern.regex.groupindex)
        if name is None or name.startswith("admin:"):
            # The admin (its last pattern has no name): filled from its route.
            values = {p: _admin_value(pattern, p, world) for p in parameters}
            if name is not None:
                urls.append((name, reverse(name, kwargs=values)))
            else:
                urls.append(("admin:catch_all", "/admin/" + values.get("url", "")))
            continue
        if not parameters:
            urls.append((name, reverse(name)))
            continue
        known = PARAMETERS.get(name)
        variants = known if isinstance(known, list) else [known]
        for variant in variants:
            assert variant is not None and sorted(variant) == parameters, (
                f"{name} ({pattern.pattern}): add its parameters {parameters} to PARAMETERS"
            )
            urls.append((name, reverse(name, kwargs={p: make(world) for p, make in variant.items()})))
    return urls


# -- Reading what came back ---------------------------------------------------------------------------------------


def _body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        return pdf_text(content)
    if content.startswith(b"PK"):  # XLSX: every XML part (shared strings, sheets)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8-sig", "replace")


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_official_sees_no_name_anywhere(client, world):
    official = staff_user(Role.OFFICIAL, first_name="Élue", last_name="Lectrice")
    login_staff(client, official)
    identifiers = _identifiers(world)
    pattern = re.compile("|".join(re.escape(i) for i in identifiers), re.IGNORECASE)
    urls = _urls(world)
    assert len(urls) > 300, len(urls)  # the project's pages and the admin's
    opened, problems = set(), []
    for name, url in urls:
        for method in ("get", "post"):
            if not _is_signed_in(client):  # a logout page was opened: sign in again
                login_staff(client, official)
            response = getattr(client, method)(url, {})
            status = response.status_code
            found = pattern.findall(_body_text(response))
            if found:
                problems.append(f"{method.upper()} {url} ({name}): {status} shows {sorted(set(found))}")
            if method == "get" and status == 200:
                opened.add(name)
                if name not in READABLE:
                    problems.append(f"GET {url} ({name}): 200 but not in READABLE")
            elif status in (301, 302, 303):
                location = response["Location"]
                expected = REDIRECTS.get(name, "")
                to_login = location.startswith(LOGIN_PAGES)
                to_expected = expected is None or (expected and location.startswith(reverse(expected)))
                if not (to_login or to_expected or method == "post"):
                    problems.append(f"GET {url} ({name}): redirected to {location}")
                if pattern.search(location):
                    problems.append(f"{method.upper()} {url} ({name}): redirected to {location}")
            elif status not in REFUSALS | {200, 400, 429}:
                problems.append(f"{method.upper()} {url} ({name}): status {status}")
    assert not problems, "\n".join(problems)
    assert READABLE <= opened, f"listed as readable but not opened: {sorted(READABLE - opened)}"


def test_the_people_are_on_the_pages_of_those_allowed_to_see_them(client, world):
    """The matrix's detector works: the same walk's pages show the names to a coordinator."""
    login_staff(client, staff_user(Role.COORDINATOR))
    html = client.get(reverse("residents:detail", args=[world["resident"].pk])).content.decode()
    assert "Germaine" in html and "Testnom" in html and _french(PHONES["germaine"]) in html
    html = client.get(reverse("volunteers:detail", args=[world["volunteer"].pk])).content.decode()
    assert "Ludovic" in html and "ludovic@testnom.fr" in html
