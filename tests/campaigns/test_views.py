"""The officer and caller pages: permissions by role, audit of every read, forms, query counts."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import (
    HelpCategoryFactory,
    QuartierFactory,
    TownFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.campaigns import accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory, isolated
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditEntry
from villesolidaire.campaigns.enums import EscalationKind, Outcome, TargetStatus
from villesolidaire.campaigns.models import (
    CallAttempt,
    CallerAccreditation,
    CallTarget,
    Campaign,
    EscalationStep,
    Questionnaire,
)
from villesolidaire.campaigns.selectors import REPORT_HEADERS
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services import episodes as episodes_service
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.calls import record_attempt
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_refresh
from villesolidaire.crises.models import Episode
from villesolidaire.help_requests.models import HelpRequest


@pytest.fixture
def world():
    quartier = QuartierFactory(name="Centre")
    entries = [RegisterEntryFactory(quartier=quartier, with_contacts=True) for _ in range(3)]
    isolated(entries[0])
    manager = officer()
    campaign = campaign_for(episode_with(), by=manager, now=timezone.now() - datetime.timedelta(minutes=5))
    target = CallTarget.objects.filter(campaign=campaign).first()
    accreditation = CallerAccreditation.objects.create(
        user=staff_user(Role.CALLER),
        training_on=datetime.date(2026, 1, 1),
        undertaking_signed_on=datetime.date(2026, 1, 1),
    )
    return {
        "campaign": campaign,
        "episode": campaign.episode,
        "officer": manager,
        "target": target,
        "accreditation": accreditation,
        "quartier": quartier,
        "entries": entries,
    }


def officer_urls(w):
    c, e, t = w["campaign"].pk, w["episode"].pk, w["target"].pk
    return [
        reverse("campaigns:episode_list"),
        reverse("campaigns:episode_create"),
        reverse("campaigns:episode_detail", args=[e]),
        reverse("campaigns:episode_edit", args=[e]),
        reverse("campaigns:campaign_create", args=[e]),
        reverse("campaigns:campaign_detail", args=[c]),
        reverse("campaigns:dashboard", args=[c]),
        reverse("campaigns:unreached", args=[c]),
        reverse("campaigns:daily_report", args=[c, "csv"]),
        reverse("campaigns:daily_report", args=[c, "xlsx"]),
        reverse("campaigns:target_detail", args=[c, t]),
        reverse("campaigns:callers"),
    ]


def officer_post_urls(w):
    c, e = w["campaign"].pk, w["episode"].pk
    return [
        reverse("campaigns:episode_close", args=[e]),
        reverse("campaigns:campaign_transition", args=[c]),
        reverse("campaigns:campaign_refresh", args=[c]),
        reverse("campaigns:sms_wave", args=[c]),
        reverse("campaigns:caller_revoke", args=[w["accreditation"].pk]),
    ]


def caller_urls(w):
    return [reverse("campaigns:caller_home"), reverse("campaigns:call", args=[w["campaign"].pk])]


def caller_post_urls(w):
    c = w["campaign"].pk
    return [
        reverse("campaigns:call_next", args=[c]),
        reverse("campaigns:call_release", args=[c]),
        reverse("campaigns:call_emergency_contact", args=[c]),
    ]


ROLES = [
    "volunteer",
    "operator",
    "coordinator",
    "admin",
    "auditor",
    "caller_without_accreditation",
    "accredited_caller",
    "officer",
]


def user_for(role):
    if role == "volunteer":
        return VolunteerFactory(active=True).user
    if role == "caller_without_accreditation":
        return staff_user(Role.CALLER)
    if role == "accredited_caller":
        return accredited_caller()
    if role == "officer":
        return officer()
    return staff_user(
        {"operator": Role.OPERATOR, "coordinator": Role.COORDINATOR, "admin": Role.ADMIN, "auditor": Role.AUDITOR}[
            role
        ]
    )


def test_anonymous_visitors_go_to_login_everywhere(client, world):
    for url in officer_urls(world) + caller_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/comptes/connexion/"), url
    for url in officer_post_urls(world) + caller_post_urls(world):
        response = client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/comptes/connexion/"), url
    world["campaign"].refresh_from_db()
    assert world["campaign"].status == "active"
    assert CallerAccreditation.objects.get(pk=world["accreditation"].pk).revoked_at is None


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role):
    user = user_for(role)
    if role == "volunteer":
        client.force_login(user)
    else:
        login_staff(client, user)
    officer_ok = role == "officer"
    caller_ok = role in ("officer", "accredited_caller")
    for url in officer_urls(world):
        status = client.get(url).status_code
        assert (status == 200) if officer_ok else (status == 404), (role, url, status)
    for url in caller_urls(world):
        status = client.get(url).status_code
        assert (status == 200) if caller_ok else (status == 404), (role, url, status)
    if not officer_ok:
        for url in officer_post_urls(world):
            assert client.post(url).status_code == 404, (role, url)
    if not caller_ok:
        for url in caller_post_urls(world):
            assert client.post(url).status_code == 404, (role, url)
    # Nothing changed for those who were refused.
    if not officer_ok:
        world["campaign"].refresh_from_db()
        assert world["campaign"].status == "active"
        assert CallerAccreditation.objects.get(pk=world["accreditation"].pk).revoked_at is None


def test_officer_posts_work(client, world):
    login_staff(client, world["officer"])
    c = world["campaign"].pk
    assert client.post(reverse("campaigns:campaign_transition", args=[c]), {"target": "paused"}).status_code == 302
    assert Campaign.objects.get(pk=c).status == "paused"
    assert client.post(reverse("campaigns:campaign_transition", args=[c]), {"target": "n'importe"}).status_code == 302
    assert Campaign.objects.get(pk=c).status == "paused"  # an unknown action changes nothing
    newcomer = RegisterEntryFactory(quartier=world["quartier"])
    assert client.post(reverse("campaigns:campaign_refresh", args=[c])).status_code == 302
    assert CallTarget.objects.filter(campaign_id=c, entry=newcomer).exists()
    assert CallTarget.objects.filter(campaign_id=c).count() == len(world["entries"]) + 1
    assert client.post(reverse("campaigns:caller_revoke", args=[world["accreditation"].pk])).status_code == 302
    assert CallerAccreditation.objects.get(pk=world["accreditation"].pk).revoked_at is not None
    assert client.post(reverse("campaigns:episode_close", args=[world["episode"].pk]), {}).status_code == 302
    assert Episode.objects.get(pk=world["episode"].pk).status == "closed"
    assert Campaign.objects.get(pk=c).status == "closed"


@pytest.mark.parametrize("name", ["dashboard", "unreached", "call", "csv", "xlsx", "target", "episode_list"])
def test_each_read_writes_an_audit_entry(client, world, name):
    user = world["officer"]
    login_staff(client, user)
    c = world["campaign"].pk
    if name == "call":
        take_next_call(world["campaign"], user)
    url = {
        "dashboard": reverse("campaigns:dashboard", args=[c]),
        "unreached": reverse("campaigns:unreached", args=[c]),
        "call": reverse("campaigns:call", args=[c]),
        "csv": reverse("campaigns:daily_report", args=[c, "csv"]),
        "xlsx": reverse("campaigns:daily_report", args=[c, "xlsx"]),
        "target": reverse("campaigns:target_detail", args=[c, world["target"].pk]),
        "episode_list": reverse("campaigns:episode_list"),
    }[name]
    before = AuditEntry.objects.count()
    assert client.get(url).status_code == 200
    entries = list(AuditEntry.objects.order_by("-pk")[: AuditEntry.objects.count() - before])
    assert entries and all(e.actor_id == user.pk for e in entries)
    if name == "call":
        assert entries[0].action == "view" and entries[0].object_type == "register.RegisterEntry"
        assert "phone" in entries[0].fields
    if name in ("csv", "xlsx"):
        assert entries[0].action == "export"


def test_htmx_dashboard_refresh_returns_the_fragment_and_is_audited(client, world):
    login_staff(client, world["officer"])
    before = AuditEntry.objects.count()
    response = client.get(reverse("campaigns:dashboard", args=[world["campaign"].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 15s"' in html and "<html" not in html
    assert AuditEntry.objects.count() == before + 1


def test_caller_works_through_the_queue_with_the_call_screen(client, world):
    caller = accredited_caller()
    login_staff(client, caller)
    c = world["campaign"].pk
    category = HelpCategoryFactory(bit=45)
    assert client.post(reverse("campaigns:call_next", args=[c])).status_code == 302
    target = CallTarget.objects.get(campaign_id=c, locked_by=caller)
    assert target.is_isolated  # priority first
    page = client.get(reverse("campaigns:call", args=[c])).content.decode()
    entry = target.entry
    assert entry.last_name.upper() in page and f'href="tel:{entry.phone}"' in page
    # What a caller reaching nobody needs to try something else (tests/campaigns/test_call_screen.py).
    assert f'href="tel:{entry.emergency_contact_phone}"' in page and entry.address in page
    response = client.post(
        reverse("campaigns:call", args=[c]),
        {
            "outcome": Outcome.REACHED_NEEDS_HELP,
            "q_temperature": "Très chaud (plus de 30 °C)",
            "q_drinks_enough": "no",
            "q_visits_per_week": "2",
            "advice": ["drink", "shutters"],
            "actions": ["fan"],
            "create_help_request": "on",
            "category": category.pk,
            "description": "Livraison de bouteilles d'eau",
            "urgency": "high",
            "link_resident": "on",
            "notes": "Fenêtres plein sud",
        },
    )
    assert response.status_code == 302
    attempt = CallAttempt.objects.get(target=target)
    assert CallTarget.objects.filter(campaign_id=c, locked_by=caller).count() == 0  # next call not asked for
    assert attempt.answers == {
        "temperature": "Très chaud (plus de 30 °C)",
        "drinks_enough": False,
        "visits_per_week": 2,
    }
    assert attempt.actions == ["fan", "help_request"]
    help_request = HelpRequest.objects.get()
    assert help_request.urgency == "high"
    entry.refresh_from_db()
    assert entry.resident_id == help_request.resident_id
    # Next person.
    client.post(reverse("campaigns:call_next", args=[c]))
    assert CallTarget.objects.filter(campaign_id=c, locked_by=caller).exclude(pk=target.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"outcome": "pas-un-resultat"},
        {"outcome": Outcome.NO_ANSWER, "create_help_request": "on", "category": "999999", "description": "x"},
        {"outcome": Outcome.REACHED_FINE, "q_visits_per_week": "beaucoup", "q_drinks_enough": "peut-être"},
        {"outcome": Outcome.REACHED_FINE, "notes": "<script>alert(1)</script>"},
        {"outcome": Outcome.REACHED_FINE, "advice": ["inconnu"], "actions": ["rien"]},
        {"outcome": Outcome.REACHED_NEEDS_HELP, "create_help_request": "on"},
    ],
)
def test_bad_call_input_is_refused_in_french(client, world, data):
    caller = accredited_caller()
    login_staff(client, caller)
    c = world["campaign"].pk
    client.post(reverse("campaigns:call_next", args=[c]))
    response = client.post(reverse("campaigns:call", args=[c]), data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_posting_a_call_without_a_lease_does_not_record(client, world):
    login_staff(client, accredited_caller())
    response = client.post(reverse("campaigns:call", args=[world["campaign"].pk]), {"outcome": Outcome.REACHED_FINE})
    assert response.status_code == 302
    assert not CallAttempt.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "heatwave", "level": "violet", "starts_on": "2026-07-14"},
        {"kind": "heatwave", "level": "red", "starts_on": "14/07/2026", "ends_on": "01/07/2026"},
        {"kind": "heatwave", "level": "red", "starts_on": "pas une date"},
        {"kind": "heatwave", "level": "red", "starts_on": "2026-07-14", "quartiers": ["abc"]},
        {"kind": "heatwave", "level": "red", "starts_on": "2026-07-14", "title": "<b>x</b>"},
        {"kind": "heatwave", "level": "red", "starts_on": "1900-01-01"},
    ],
)
def test_bad_episode_input_is_refused_in_french(client, world, data):
    login_staff(client, world["officer"])
    before = Episode.objects.count()
    response = client.post(reverse("campaigns:episode_create"), data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert Episode.objects.count() == before


def test_an_episode_ending_in_a_far_year_is_refused_in_french(client, world):
    """The end is computed with (the midnight after it, when calls are recorded): 31/12/9999 would overflow."""
    login_staff(client, world["officer"])
    message = "Indiquez une date entre le 01/01/2000 et le"
    today = timezone.localdate()
    earliest, latest = today - datetime.timedelta(days=366), today + datetime.timedelta(days=366)
    within_a_year = f"Indiquez une date entre le {earliest:%d/%m/%Y} et le {latest:%d/%m/%Y}."
    before = Episode.objects.count()
    # On the episode form, the start and the end are held to the same rule, in the same words.
    for ends_on in ("9999-12-31", (today + datetime.timedelta(days=400)).isoformat()):
        data = {"kind": "heatwave", "level": "red", "starts_on": today.isoformat(), "ends_on": ends_on}
        response = client.post(reverse("campaigns:episode_create"), data)
        html = response.content.decode()
        assert response.status_code == 400 and within_a_year in html and message not in html
    far_start = (today - datetime.timedelta(days=400)).isoformat()
    response = client.post(
        reverse("campaigns:episode_create"), {"kind": "heatwave", "level": "red", "starts_on": far_start}
    )
    assert response.status_code == 400 and within_a_year in response.content.decode()
    assert Episode.objects.count() == before
    episode = world["episode"]
    response = client.post(
        reverse("campaigns:episode_close", args=[episode.pk]), {"ends_on": "31/12/9999"}, follow=True
    )
    assert message in response.content.decode()
    episode.refresh_from_db()
    assert episode.status != "closed" and episode.ends_on is None


def test_episode_declared_edited_then_campaign_created(client, world):
    login_staff(client, world["officer"])
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("campaigns:episode_create"),
        {
            "kind": "heatwave",
            "level": "red",
            "starts_on": today,
            "quartiers": [world["quartier"].pk],
            "title": "Canicule",
        },
    )
    episode = Episode.objects.get(title="Canicule")
    assert response.status_code == 302
    assert (
        client.post(
            reverse("campaigns:episode_edit", args=[episode.pk]),
            {
                "kind": "heatwave",
                "level": "orange",
                "starts_on": today,
                "quartiers": [world["quartier"].pk],
                "title": "Canicule",
            },
        ).status_code
        == 302
    )
    episode.refresh_from_db()
    assert episode.level == "orange"
    response = client.post(
        reverse("campaigns:campaign_create", args=[episode.pk]),
        {
            "title": "Appels canicule",
            "isolated_only": "on",
            "reached_recheck_hours": "48",
            "retry_minutes": "120",
            "max_failed_attempts": "4",
            "failure_window_hours": "48",
            "questionnaire": episode.pk and Questionnaire.default().pk,
        },
    )
    campaign = Campaign.objects.get(title="Appels canicule")
    assert response.status_code == 302
    assert campaign.targets_count == 1  # one isolated person in the quartier
    flash = [str(message) for message in get_messages(response.wsgi_request)]
    assert flash[-1] == "Campagne créée : 1 personne à appeler."


def test_episode_closed_while_being_edited_is_refused_on_the_form(client, world, monkeypatch):
    """The service's refusal (an episode closed between the page and the save) shows above the fields."""
    login_staff(client, world["officer"])
    episode = episode_with()

    def closed_meanwhile(**kwargs):
        raise CampaignError("Cet épisode est clos : il ne peut plus être modifié.")

    monkeypatch.setattr(episodes_service, "episode_update", closed_meanwhile)
    response = client.post(
        reverse("campaigns:episode_edit", args=[episode.pk]),
        {"kind": "heatwave", "level": "orange", "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Cet épisode est clos : il ne peut plus être modifié."]


@pytest.mark.parametrize(
    "data",
    [
        {
            "min_age": "cent",
            "reached_recheck_hours": "48",
            "retry_minutes": "120",
            "max_failed_attempts": "4",
            "failure_window_hours": "48",
        },
        {"reached_recheck_hours": "0", "retry_minutes": "-3", "max_failed_attempts": "99", "failure_window_hours": ""},
        {
            "grounds": ["inconnue"],
            "quartiers": ["999999"],
            "reached_recheck_hours": "48",
            "retry_minutes": "120",
            "max_failed_attempts": "4",
            "failure_window_hours": "48",
            "questionnaire": "abc",
        },
    ],
)
def test_bad_campaign_input_is_refused_in_french(client, world, data):
    login_staff(client, world["officer"])
    response = client.post(reverse("campaigns:campaign_create", args=[world["episode"].pk]), data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert Campaign.objects.count() == 1


def test_accreditation_form(client, world):
    login_staff(client, world["officer"])
    volunteer = VolunteerFactory(active=True)
    response = client.post(
        reverse("campaigns:callers"),
        {"email": volunteer.user.email, "training_on": "2026-06-01", "undertaking_signed_on": "2026-06-02"},
    )
    assert response.status_code == 302
    accreditation = CallerAccreditation.objects.get(user=volunteer.user)
    assert accreditation.volunteer == volunteer and accreditation.granted_by == world["officer"]
    # The caller role itself needs two people and the mayor's decision (register.designations).
    assert not volunteer.user.role_grants.filter(role=Role.CALLER).exists()
    assert "une personne le propose" in client.get(reverse("campaigns:callers")).content.decode()
    again = client.post(
        reverse("campaigns:callers"),
        {"email": volunteer.user.email, "training_on": "2026-06-01", "undertaking_signed_on": "2026-06-02"},
    )
    assert again.status_code == 400 and "déjà habilitée" in again.content.decode()
    bad = client.post(
        reverse("campaigns:callers"),
        {"email": "inconnu@example.org", "training_on": "2099-01-01", "undertaking_signed_on": "x"},
    )
    assert bad.status_code == 400
    assert "Aucun compte actif" in bad.content.decode()


def test_escalation_screen_shows_contact_only_at_its_step(client, world):
    manager = world["officer"]
    login_staff(client, manager)
    campaign = world["campaign"]
    target = take_next_call(campaign, manager)
    record_attempt(target=target, caller=manager, outcome=Outcome.WRONG_NUMBER)
    step = EscalationStep.objects.get(target=target)
    assert step.kind == EscalationKind.EMERGENCY_CONTACT
    url = reverse("campaigns:target_detail", args=[campaign.pk, target.pk])
    page = client.get(url).content.decode()
    assert "Claire Martin" in page and "SAAD" not in page
    response = client.post(url, {"result": "no_news", "notes": "Pas de réponse de la fille"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "SAAD du Val" in page and "Claire Martin (fille) —" not in page
    assert client.post(url, {"result": "bof"}).status_code == 400
    assert client.post(url, {"result": "resolved"}).status_code == 302
    target.refresh_from_db()
    assert target.status == TargetStatus.REACHED


def test_daily_report_has_figures_and_no_names(client, world):
    TownFactory(name="Bourg-Solidaire")
    manager = world["officer"]
    login_staff(client, manager)
    campaign = world["campaign"]
    for outcome in (Outcome.REACHED_FINE, Outcome.NO_ANSWER, Outcome.WRONG_NUMBER):
        target = take_next_call(campaign, manager)
        record_attempt(target=target, caller=manager, outcome=outcome)
    csv_text = client.get(reverse("campaigns:daily_report", args=[campaign.pk, "csv"])).content.decode("utf-8-sig")
    today = timezone.localdate().strftime("%d/%m/%Y")
    title = f"Rapport quotidien — {campaign.title} — {campaign.episode}"
    # The CSV's first line is the report's title, as it always was; the XLSX sheet names the town.
    assert csv_text.splitlines()[:2] == [title, ";".join(REPORT_HEADERS)]
    line = next(row for row in csv_text.splitlines() if row.startswith(today))
    assert line.split(";") == [today, "3", "3", "0", "1", "2", "1", "0"]
    for entry in world["entries"]:
        assert entry.last_name not in csv_text
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("campaigns:daily_report", args=[campaign.pk, "xlsx"])).content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == f"Bourg-Solidaire — {title}"
    # The day is a typed date (sortable), shown dd/mm/yyyy.
    day = next(row for row in workbook.active.iter_rows(min_row=3) if row[0].value.date() == timezone.localdate())
    assert rows[1][0] == "Jour" and day[0].number_format == "dd/mm/yyyy"
    assert tuple(cell.value for cell in day[1:]) == (3, 3, 0, 1, 2, 1, 0)
    assert client.get(reverse("campaigns:daily_report", args=[campaign.pk, "pdf"])).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_pages_run_a_constant_number_of_queries(client, world):
    manager = world["officer"]
    login_staff(client, manager)
    campaign = world["campaign"]
    urls = [
        reverse("campaigns:unreached", args=[campaign.pk]),
        reverse("campaigns:episode_list"),
        reverse("campaigns:callers"),
        reverse("campaigns:dashboard", args=[campaign.pk]),
    ]

    def fail_everyone():
        while (target := take_next_call(campaign, manager)) is not None:
            record_attempt(target=target, caller=manager, outcome=Outcome.WRONG_NUMBER)

    fail_everyone()
    small = [_queries(client, url) for url in urls]
    for _ in range(6):
        RegisterEntryFactory(quartier=QuartierFactory(), with_contacts=True)
        accredited_caller(by=manager)
    campaign_for(episode_with(), by=manager)
    campaign_refresh(campaign=campaign, by=manager)
    fail_everyone()
    assert CallTarget.objects.filter(campaign=campaign, status="escalated").count() == 9
    large = [_queries(client, url) for url in urls]
    assert small == large
