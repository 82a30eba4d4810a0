"""Supports and missions: volunteer's report, transitions, resident informed, evaluations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    HelpCategoryFactory,
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from villesolidaire.accounts.enums import Role
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.missions import services
from villesolidaire.missions.enums import MissionStatus, SupportKind, SupportStatus
from villesolidaire.missions.forms import MissionReportForm
from villesolidaire.missions.models import Evaluation, Mission, MissionTransition
from villesolidaire.notifications.models import CallTask, Message


@pytest.fixture
def money_category():
    return HelpCategoryFactory(name="Courses (test)", involves_money=True)


@pytest.fixture
def mission(money_category):
    help_request = HelpRequestFactory(category=money_category, resident=ResidentFactory(with_mobile=True))
    support = SupportFactory(help_request=help_request)
    return services.mission_plan(
        support=support, scheduled_at=timezone.now() - timedelta(hours=2), by=None, inform=False
    )


def report_url(mission):
    return reverse("missions:mission_report", args=[mission.pk])


def test_volunteer_reports_a_done_mission_and_the_resident_is_told_by_sms(client, mission):
    volunteer = mission.support.volunteer
    client.force_login(volunteer.user)
    page = client.get(report_url(mission))
    assert page.status_code == 200 and "Montant avancé" in page.content.decode()
    response = client.post(
        report_url(mission),
        {
            "outcome": "done",
            "duration_minutes": "45",
            "notes": "Courses faites, ticket remis.",
            "amount_advanced": "23,50",
        },
    )
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DONE
    assert (mission.duration_minutes, mission.amount_advanced, mission.report) == (
        45,
        Decimal("23.50"),
        "Courses faites, ticket remis.",
    )
    assert mission.done_at is not None
    last = mission.transitions.last()
    assert (last.from_status, last.to_status, last.by) == ("planned", "done", volunteer.user)
    sms = Message.objects.get(kind="mission_done")
    assert sms.recipient == mission.support.resident.mobile.as_e164
    # A second submit changes nothing.
    response = client.post(report_url(mission), {"outcome": "missed"}, follow=True)
    assert "déjà été envoyé" in response.content.decode()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DONE and mission.transitions.count() == 2


def test_missed_mission_for_a_resident_without_mobile_creates_a_call_task(client):
    support = SupportFactory(help_request=HelpRequestFactory(resident=ResidentFactory(mobile="")))
    mission = services.mission_plan(support=support, scheduled_at=timezone.now(), by=None, inform=False)
    client.force_login(support.volunteer.user)
    response = client.post(report_url(mission), {"outcome": "missed", "missed_reason": "absent"})
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.status == MissionStatus.MISSED and mission.duration_minutes is None
    task = CallTask.objects.get(kind="mission_missed")
    assert (task.resident, task.support) == (support.resident, support)
    assert not Message.objects.filter(kind="mission_missed").exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"outcome": "done", "duration_minutes": "30", "amount_advanced": "-5"}, "ne peut pas être négatif"),
        ({"outcome": "done", "duration_minutes": "100000"}, "ne peut pas dépasser 12 heures"),
        ({"outcome": "done", "duration_minutes": "0"}, "au moins 1 minute"),
        ({"outcome": "done", "duration_minutes": "abc"}, "Indiquez la durée en minutes"),
        ({"outcome": "done"}, "Indiquez la durée de la mission"),
        ({"outcome": "done", "duration_minutes": "30", "notes": "x" * 501}, "500 caractères au plus"),
        ({"outcome": "done", "duration_minutes": "30", "notes": "<script>alert(1)</script>"}, "ne sont pas autorisés"),
        ({"outcome": "done", "duration_minutes": "30", "notes": "Fait\u200b\u202e"}, "caractères invisibles"),
        ({"outcome": "done", "duration_minutes": "30", "amount_advanced": "12,345"}, "Deux chiffres après la virgule"),
        ({"outcome": "done", "duration_minutes": "30", "amount_advanced": "1e9"}, "5 000"),
        ({"outcome": "peut-être"}, "Choix inconnu"),
        ({}, "Indiquez si la mission a eu lieu"),
    ],
)
def test_bad_report_input_is_refused_and_nothing_is_saved(client, mission, data, error):
    client.force_login(mission.support.volunteer.user)
    response = client.post(report_url(mission), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert "<script>alert(1)</script>" not in html
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED and mission.report == "" and mission.amount_advanced is None
    assert mission.transitions.count() == 1
    assert not Message.objects.exists() and not CallTask.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"duration_minutes": "45"}, "duration_minutes", "laissez la durée vide"),
        ({"amount_advanced": "12,50"}, "amount_advanced", "laissez le montant vide"),
    ],
)
def test_the_form_refuses_a_duration_or_an_amount_for_a_missed_mission(data, field, error):
    form = MissionReportForm({"outcome": "missed", "missed_reason": "other", **data}, involves_money=True)
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert error in form.errors[field][0] and "n'a pas eu lieu" in form.errors[field][0]


def test_the_form_keeps_no_duration_or_amount_for_a_missed_mission():
    form = MissionReportForm(
        {"outcome": "missed", "missed_reason": "absent", "amount_advanced": "0"}, involves_money=True
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["duration_minutes"], form.cleaned_data["amount_advanced"]) == (None, None)
    form = MissionReportForm(
        {"outcome": "missed", "missed_reason": "absent", "notes": "Absente"}, involves_money=False
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["duration_minutes"] is None and "amount_advanced" not in form.cleaned_data


def test_a_missed_report_with_a_duration_is_refused_and_nothing_is_saved(client, mission):
    client.force_login(mission.support.volunteer.user)
    response = client.post(
        report_url(mission), {"outcome": "missed", "duration_minutes": "45", "amount_advanced": "9"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "laissez la durée vide" in html and "laissez le montant vide" in html
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED and mission.transitions.count() == 1
    assert (mission.duration_minutes, mission.amount_advanced) == (None, None)


def test_the_service_stores_no_duration_or_amount_for_a_missed_mission(mission):
    reported = services.mission_report(
        mission=mission, done=False, by=None, duration_minutes=45, notes="Absente", amount_advanced=Decimal("12.50")
    )
    assert reported.status == MissionStatus.MISSED
    mission.refresh_from_db()
    assert (mission.status, mission.duration_minutes, mission.amount_advanced, mission.done_at) == (
        MissionStatus.MISSED,
        None,
        None,
        None,
    )
    assert mission.report == "Absente"


def test_odd_unicode_in_notes_is_kept_as_text(client, mission):
    client.force_login(mission.support.volunteer.user)
    client.post(
        report_url(mission), {"outcome": "done", "duration_minutes": "20", "notes": "Ça va 👍 Zoë — ŒUF\nLigne 2"}
    )
    mission.refresh_from_db()
    assert mission.report == "Ça va 👍 Zoë — ŒUF\nLigne 2"


def test_a_volunteer_cannot_open_another_volunteers_mission(client, mission):
    other = VolunteerFactory(active=True)
    client.force_login(other.user)
    assert client.get(report_url(mission)).status_code == 404
    assert client.post(report_url(mission), {"outcome": "missed"}).status_code == 404
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED
    staff = staff_user(Role.COORDINATOR)
    login_staff(client, staff)
    assert client.get(report_url(mission)).status_code == 404
    client.logout()
    assert client.get(report_url(mission)).status_code == 302


def test_mission_transitions_follow_the_workflow(mission):
    services.mission_transition(mission=mission, target=MissionStatus.MISSED, by=None)
    services.mission_transition(mission=mission, target=MissionStatus.PLANNED, by=None, note="Nouvelle date")
    services.mission_transition(mission=mission, target=MissionStatus.DONE, by=None)
    with pytest.raises(TransitionNotAllowed, match="Passage impossible de « Réalisée » à « Annulée »"):
        services.mission_transition(mission=mission, target=MissionStatus.CANCELLED, by=None)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DONE
    assert list(mission.transitions.values_list("to_status", flat=True)) == ["planned", "missed", "planned", "done"]


def test_cancel_view_refuses_a_done_mission_with_a_clear_message(client, mission):
    services.mission_transition(mission=mission, target=MissionStatus.DONE, by=None)
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.post(reverse("missions:mission_cancel", args=[mission.pk]), {"reason": ""}, follow=True)
    assert "Passage impossible" in response.content.decode()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DONE


def test_cancel_informs_the_resident(client, mission):
    login_staff(client, staff_user(Role.COORDINATOR))
    client.post(reverse("missions:mission_cancel", args=[mission.pk]), {"reason": "Personne hospitalisée"})
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CANCELLED
    assert mission.transitions.last().note == "Personne hospitalisée"
    assert "est annulée" in Message.objects.get(kind="mission_cancelled").body


def test_plan_missions_for_a_recurring_support(client):
    help_request = HelpRequestFactory(recurrence="weekly", resident=ResidentFactory(mobile=""))
    support = SupportFactory(help_request=help_request, kind=SupportKind.RECURRING)
    login_staff(client, staff_user(Role.COORDINATOR))
    first = (timezone.localtime() + timedelta(days=2)).replace(hour=14, minute=30, second=0, microsecond=0)
    response = client.post(
        reverse("missions:mission_add", args=[support.pk]),
        {
            "scheduled_at": first.strftime("%Y-%m-%dT%H:%M"),
            "count": "4",
        },
    )
    assert response.status_code == 302
    dates = [timezone.localtime(m.scheduled_at) for m in support.missions.order_by("scheduled_at")]
    assert [d.date() for d in dates] == [(first + timedelta(weeks=i)).date() for i in range(4)]
    assert all((d.hour, d.minute) == (14, 30) for d in dates)
    assert MissionTransition.objects.filter(mission__support=support, to_status="planned").count() == 4
    task = CallTask.objects.get(kind="mission_planned")  # one call for the series, no mobile
    assert "4 fois" in task.reason


@pytest.mark.parametrize("value", ["", "demain", "2020-01-01T10:00", "2999-01-01T10:00"])
def test_plan_mission_bad_dates(client, value):
    support = SupportFactory()
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.post(reverse("missions:mission_add", args=[support.pk]), {"scheduled_at": value})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not Mission.objects.exists()


def test_next_occurrences_monthly_keeps_the_day_or_the_month_end():
    first = timezone.make_aware(timezone.datetime(2026, 1, 31, 10, 0))
    dates = services.next_occurrences(first, "monthly", 3)
    assert [(d.month, d.day) for d in dates] == [(1, 31), (2, 28), (3, 31)]


def test_end_support_cancels_planned_missions_closes_the_request_and_asks_for_evaluations(client):
    help_request = HelpRequestFactory(resident=ResidentFactory(with_mobile=True))
    help_request.transition(RequestStatus.QUALIFIED, by=None)
    help_request.transition(RequestStatus.SEARCHING, by=None)
    help_request.transition(RequestStatus.SUPPORTED, by=None)
    support = SupportFactory(help_request=help_request)
    done = MissionFactory(support=support, status=MissionStatus.DONE)
    planned = MissionFactory(support=support, scheduled_at=timezone.now() + timedelta(days=3))
    coordinator = staff_user(Role.COORDINATOR)
    login_staff(client, coordinator)
    url = reverse("missions:support_end", args=[support.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Fin du confinement"}).status_code == 302
    support.refresh_from_db()
    planned.refresh_from_db()
    done.refresh_from_db()
    help_request.refresh_from_db()
    assert (support.status, support.end_reason) == (SupportStatus.ENDED, "Fin du confinement")
    assert (planned.status, done.status) == (MissionStatus.CANCELLED, MissionStatus.DONE)
    assert (help_request.status, help_request.closure_reason) == (RequestStatus.CLOSED, "done")
    assert Message.objects.filter(kind="support_evaluation").count() == 2  # resident (SMS) and volunteer
    volunteer_message = Message.objects.get(kind="support_evaluation", recipient=support.volunteer.phone.as_e164)
    assert reverse("missions:volunteer_evaluation", args=[support.pk]) in volunteer_message.body
    # Ending twice is harmless.
    client.post(url, {"reason": "Encore"})
    support.refresh_from_db()
    assert support.end_reason == "Fin du confinement"

    # Evaluations: the resident's by an operator, the volunteer's from their phone.
    operator = staff_user(Role.OPERATOR)
    login_staff(client, operator)
    eval_url = reverse("missions:resident_evaluation", args=[support.pk])
    assert client.post(eval_url, {"rating": "9", "channel": "call"}).status_code == 400
    client.post(eval_url, {"rating": "4", "channel": "call", "comment": "Très contente."})
    client.post(eval_url, {"rating": "1", "channel": "call"})  # double submit: first one kept
    resident_eval = Evaluation.objects.get(support=support, author="resident")
    assert (resident_eval.rating, resident_eval.channel, resident_eval.recorded_by) == (4, "call", operator)
    client.logout()
    client.force_login(support.volunteer.user)
    page = client.get(reverse("missions:mission_report", args=[planned.pk])).content.decode()
    assert reverse("missions:volunteer_evaluation", args=[support.pk]) in page
    client.post(
        reverse("missions:volunteer_evaluation", args=[support.pk]), {"rating": "5", "comment": "Belle rencontre"}
    )
    assert Evaluation.objects.get(support=support, author="volunteer").rating == 5
    login_staff(client, coordinator)
    html = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Très contente." in html and "Belle rencontre" in html


def test_support_page_shows_dialable_numbers_in_french_spacing(client, coordinator):
    # Numbers of the fiction range (06 39 98…) are not « valid » for libphonenumber: still spaced.
    resident = ResidentFactory(mobile="+33639980012", phone="+33299001122")
    support = SupportFactory(
        help_request=HelpRequestFactory(resident=resident), volunteer=VolunteerFactory(phone="+33639980034")
    )
    html = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert 'Mobile : <a href="tel:+33639980012" class="tel">06 39 98 00 12</a>' in html
    assert 'Fixe : <a href="tel:+33299001122" class="tel">02 99 00 11 22</a>' in html
    assert '<a href="tel:+33639980034" class="tel">06 39 98 00 34</a>' in html
    assert "+33639980012<" not in html and "+33639980034<" not in html


def test_volunteer_evaluation_of_someone_elses_support_is_404(client):
    support = SupportFactory(status=SupportStatus.ENDED)
    client.force_login(VolunteerFactory().user)
    assert client.get(reverse("missions:volunteer_evaluation", args=[support.pk])).status_code == 404


def test_money_summary_and_reimbursement(client, money_category):
    support = SupportFactory(help_request=HelpRequestFactory(category=money_category))
    first = MissionFactory(support=support, status=MissionStatus.DONE, amount_advanced=Decimal("20.00"))
    MissionFactory(support=support, status=MissionStatus.DONE, amount_advanced=Decimal("12.50"))
    login_staff(client, staff_user(Role.COORDINATOR))
    html = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "32,50 €" in html or "32.50 €" in html
    client.post(reverse("missions:mission_reimburse", args=[first.pk]))
    first.refresh_from_db()
    assert first.reimbursed and first.reimbursed_at
    html = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Reste à rembourser" in html and ("12,50 €" in html or "12.50 €" in html)
    response = client.post(reverse("missions:mission_reimburse", args=[first.pk]), follow=True)
    assert "Rien à rembourser" in response.content.decode()


def test_support_pages_permissions(client):
    support = SupportFactory()
    mission = MissionFactory(support=support)
    detail = reverse("missions:support_detail", args=[support.pk])
    assert client.get(detail).status_code == 302
    client.force_login(support.volunteer.user)
    assert client.get(detail).status_code == 404
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(detail).status_code == 200
    assert client.get(reverse("missions:support_list")).status_code == 404
    assert client.post(reverse("missions:mission_cancel", args=[mission.pk])).status_code == 404
    login_staff(client, staff_user(Role.COORDINATOR))
    assert client.get(reverse("missions:support_detail", args=[999999])).status_code == 404


def _make_supports(count):
    category = HelpCategoryFactory()
    for index in range(count):
        support = SupportFactory(help_request=HelpRequestFactory(category=category))
        MissionFactory(support=support, status=MissionStatus.DONE, amount_advanced=Decimal(index))


@pytest.mark.parametrize("count", [2, 25])
def test_support_list_query_count_is_constant(client, django_assert_num_queries, count):
    _make_supports(count)
    login_staff(client, staff_user(Role.COORDINATOR))
    client.get(reverse("missions:support_list"))  # warm the session and user caches
    with django_assert_num_queries(10):
        response = client.get(reverse("missions:support_list"), {"status": "active", "volunteer": ""})
    assert response.status_code == 200
    assert response.content.decode().count('scope="row"') == count


def test_support_list_filters(client):
    # Names no generated resident carries (Faker once gave a resident « Anouk Andre »).
    wanted = SupportFactory(volunteer=VolunteerFactory(active=True, first_name="Anoukaïa", last_name="Lebreton"))
    SupportFactory(
        volunteer=VolunteerFactory(active=True, first_name="Brunhilde", last_name="Martin"), status=SupportStatus.ENDED
    )
    login_staff(client, staff_user(Role.COORDINATOR))
    url = reverse("missions:support_list")
    html = client.get(url, {"volunteer": "lebret"}).content.decode()
    assert "Anoukaïa" in html and "Brunhilde" not in html
    html = client.get(url, {"status": "ended"}).content.decode()
    assert "Brunhilde" in html and "Anoukaïa" not in html
    html = client.get(url, {"category": wanted.help_request.category_id}).content.decode()
    assert "Anoukaïa" in html and "Brunhilde" not in html
    assert client.get(url, {"category": "abc", "status": "<b>", "page": "x"}).status_code == 200


def test_resident_evaluation_waits_for_the_end_of_the_support(client):
    support = SupportFactory()
    login_staff(client, staff_user(Role.OPERATOR))
    response = client.post(
        reverse("missions:resident_evaluation", args=[support.pk]), {"rating": "5", "channel": "call"}, follow=True
    )
    assert "quand le soutien est terminé" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_a_mission_still_to_come_cannot_be_reported_done_and_nothing_is_sent(client, money_category):
    help_request = HelpRequestFactory(category=money_category, resident=ResidentFactory(with_mobile=True))
    support = SupportFactory(help_request=help_request)
    future = services.mission_plan(
        support=support, scheduled_at=timezone.now() + timedelta(days=7), by=None, inform=False
    )
    client.force_login(support.volunteer.user)
    response = client.post(report_url(future), {"outcome": "done", "duration_minutes": "45"})
    assert response.status_code == 400
    assert "vous pourrez envoyer son compte rendu une fois commencée" in response.content.decode()
    future.refresh_from_db()
    assert future.status == MissionStatus.PLANNED and future.duration_minutes is None
    assert not Message.objects.exists()  # the resident is told nothing


def test_evaluation_forms_take_usefulness_the_kept_link_and_the_consent_to_be_quoted(client):
    support = SupportFactory(status=SupportStatus.ENDED)
    login_staff(client, staff_user(Role.OPERATOR))
    url = reverse("missions:resident_evaluation", args=[support.pk])
    page = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Utilité" in page and "Lien gardé après le soutien" in page and "cité anonymement" in page
    bad = client.post(url, {"rating": "4", "channel": "call", "usefulness": "9", "kept_link": "peut-être"})
    assert bad.status_code == 400 and not Evaluation.objects.exists()
    client.post(
        url,
        {
            "rating": "4",
            "usefulness": "5",
            "kept_link": "yes",
            "channel": "call",
            "comment": "Une belle rencontre.",
            "quote_consent": "on",
        },
    )
    resident_eval = Evaluation.objects.get(support=support, author="resident")
    assert (resident_eval.usefulness, resident_eval.kept_link, resident_eval.quote_consent) == (5, True, True)
    html = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Utilité : 5/5" in html and "Lien gardé après le soutien : oui" in html

    client.logout()
    client.force_login(support.volunteer.user)
    client.post(reverse("missions:volunteer_evaluation", args=[support.pk]), {"rating": "3", "kept_link": "no"})
    volunteer_eval = Evaluation.objects.get(support=support, author="volunteer")
    # Unanswered optional questions stay empty (null), never a made-up value.
    assert (volunteer_eval.usefulness, volunteer_eval.kept_link, volunteer_eval.quote_consent) == (None, False, False)
