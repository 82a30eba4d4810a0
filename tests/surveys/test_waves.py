"""Questionnaire waves: confirmation, SMS with a single-use link, call tasks typed in by the desk,
permissions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.confirmation import confirmation_token, post_and_confirm
from tests.factories import MissionFactory, ResidentFactory, SupportFactory, VolunteerFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.missions.enums import MissionStatus, SupportStatus
from villesolidaire.notifications.models import PERSONAL_LINK_PLACEHOLDER, CallTask, CallTaskStatus, Message
from villesolidaire.surveys import services
from villesolidaire.surveys.models import Quote, SurveyRecipient, SurveyWave

WAVES = reverse("surveys:wave_list")


@pytest.fixture
def period():
    today = timezone.localdate()
    return today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)


@pytest.fixture
def people(period):
    """Two volunteers with a mission done in the period (one with e-mail only), one outside it;
    two residents supported during it (one with a mobile: called anyway), one whose support ended before."""
    moment = timezone.now() - datetime.timedelta(days=10)
    started = moment - datetime.timedelta(days=60)
    with_phone = SupportFactory(started_at=started)
    email_only = SupportFactory(
        started_at=started,
        volunteer=VolunteerFactory(active=True, phone=""),
        help_request__resident=ResidentFactory(with_mobile=True),
    )
    for support in (with_phone, email_only):
        MissionFactory(support=support, status=MissionStatus.DONE, scheduled_at=moment)
    long_ago = moment - datetime.timedelta(days=200)
    ended = SupportFactory(
        status=SupportStatus.ENDED, started_at=long_ago, ended_at=long_ago + datetime.timedelta(days=9)
    )
    MissionFactory(support=ended, status=MissionStatus.DONE, scheduled_at=long_ago)  # before the period
    return with_phone, email_only


def data(period):
    return {"period_start": period[0].isoformat(), "period_end": period[1].isoformat()}


def test_a_wave_is_confirmed_then_texts_volunteers_and_creates_call_tasks(client, coordinator, people, period):
    with_phone, email_only = people
    page, answer = post_and_confirm(client, WAVES, data(period))
    assert "Vous allez envoyer ce message à 4 personnes" in page.content.decode()
    assert "2 volontaires" in page.content.decode() and "2 habitant·es" in page.content.decode()
    wave = SurveyWave.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("surveys:wave_detail", args=[wave.pk])

    sms = Message.objects.get(kind="survey_invitation", channel="sms")
    assert sms.recipient == with_phone.volunteer.phone.as_e164
    assert PERSONAL_LINK_PLACEHOLDER in sms.body
    for name in (with_phone.volunteer.first_name, with_phone.volunteer.last_name, with_phone.resident.last_name):
        assert name not in sms.body  # no personal data kept in the stored text
    assert "/questionnaire/" in sms.outgoing_body() and "/questionnaire/" not in sms.body
    email = Message.objects.get(kind="survey_invitation", channel="email")
    assert email.recipient == email_only.volunteer.email

    tasks = CallTask.objects.filter(kind="survey_call")
    assert {task.resident_id for task in tasks} == {with_phone.resident_id, email_only.resident_id}
    assert all(task.reason == services.CALL_REASON for task in tasks)
    recipients = SurveyRecipient.objects.filter(wave=wave)
    assert sorted(recipients.values_list("side", "channel")) == [
        ("resident", "call"),
        ("resident", "call"),
        ("volunteer", "link"),
        ("volunteer", "link"),
    ]
    # Each key is stored as its digest only.
    link = sms.outgoing_body().split()[-1]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not SurveyRecipient.objects.filter(token_hash=token).exists()

    # A second wave for the same period is refused.
    again = client.post(WAVES, data(period))
    assert again.status_code == 400 and "déjà été lancé pour cette période" in again.content.decode()
    assert SurveyWave.objects.count() == 1


def test_a_wave_without_confirmation_or_with_a_stale_one_sends_nothing(client, coordinator, people, period):
    page = client.post(WAVES, data(period))
    token = confirmation_token(page)
    assert not SurveyWave.objects.exists() and not Message.objects.exists()
    # Someone new falls in the period meanwhile: the list shown is no longer the one sent to.
    MissionFactory(status=MissionStatus.DONE, scheduled_at=timezone.now() - datetime.timedelta(days=5))
    refused = client.post(WAVES, {**data(period), "confirmation": token})
    assert refused.status_code == 400 and "a changé depuis votre vérification" in refused.content.decode()
    assert not SurveyWave.objects.exists() and not Message.objects.exists() and not CallTask.objects.exists()
    with pytest.raises(SendNotConfirmed):
        services.wave_start(period_start=period[0], period_end=period[1], by=coordinator)


@pytest.mark.parametrize(
    "start,end,error",
    [
        ("2026-03-10", "2026-03-01", "La fin de la période doit suivre son début."),
        ("3000-01-01", "3000-01-02", "Indiquez une date entre le "),
        ("pas une date", "2026-03-01", "Date invalide"),
    ],
)
def test_bad_periods_are_french_errors(client, coordinator, start, end, error):
    answer = client.post(WAVES, {"period_start": start, "period_end": end})
    assert answer.status_code == 400 and error in answer.content.decode()


def test_a_period_with_nobody_is_refused(client, coordinator, period):
    answer = client.post(WAVES, data(period))
    assert answer.status_code == 400 and "Personne à interroger" in answer.content.decode()


def _started_wave(people, period, coordinator):
    shown = services.wave_preview(period_start=period[0], period_end=period[1])
    return services.wave_start(period_start=period[0], period_end=period[1], by=coordinator, confirmation=shown.token)


def _link(volunteer) -> str:
    """The path of the questionnaire link the volunteer received (as sent, key included)."""
    message = Message.objects.get(kind="survey_invitation", recipient__in=[volunteer.email, volunteer.phone.as_e164])
    return re.search(r"https?://[^/\s]+(/\S+)", message.outgoing_body()).group(1)


def test_a_volunteer_answers_once_through_the_link(client, people, period):
    with_phone, _ = people
    _started_wave(people, period, staff_user(Role.COORDINATOR))
    url = _link(with_phone.volunteer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"rating": "9"}).status_code == 400
    answers = {
        "rating": "4",
        "usefulness": "5",
        "kept_link": "yes",
        "comment": "Belles rencontres avec Mme X.",
        "quote_consent": "on",
    }
    done = client.post(url, answers)
    assert done.status_code == 302 and done["Location"] == reverse("surveys:answer_thanks")
    recipient = SurveyRecipient.objects.get(volunteer=with_phone.volunteer)
    assert (recipient.satisfaction, recipient.usefulness, recipient.kept_link, recipient.quote_consent) == (
        4,
        5,
        True,
        True,
    )
    assert recipient.answered_at is not None and recipient.recorded_by is None
    assert Quote.objects.get(answer=recipient).side == "volunteer"
    # Used: the link opens nothing any more, and a second post changes nothing.
    assert client.get(url).status_code == 410
    assert client.post(url, {**answers, "rating": "1"}).status_code == 410
    recipient.refresh_from_db()
    assert recipient.satisfaction == 4
    assert client.get("/questionnaire/une-cle-inconnue/").status_code == 404


def test_an_expired_link_is_refused(client, people, period):
    with_phone, _ = people
    wave = _started_wave(people, period, staff_user(Role.COORDINATOR))
    SurveyWave.objects.filter(pk=wave.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    url = _link(with_phone.volunteer)
    assert client.get(url).status_code == 410
    assert client.post(url, {"rating": "5"}).status_code == 410
    assert not SurveyRecipient.objects.answered().exists()


def test_the_operator_types_the_residents_answers_and_the_call_is_done(client, people, period):
    _started_wave(people, period, staff_user(Role.COORDINATOR))
    operator = staff_user(Role.OPERATOR)
    login_staff(client, operator)
    task = CallTask.objects.filter(kind="survey_call").first()
    url = reverse("surveys:call_answer", args=[task.pk])
    assert url in client.get(reverse("notifications:call_tasks")).content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, {"usefulness": "4"}).status_code == 400  # satisfaction is required
    answer = client.post(url, {"rating": "5", "usefulness": "4", "kept_link": "no", "comment": "Rien à redire."})
    assert answer.status_code == 302
    recipient = SurveyRecipient.objects.get(call_task=task)
    assert (recipient.satisfaction, recipient.usefulness, recipient.kept_link, recipient.recorded_by) == (
        5,
        4,
        False,
        operator,
    )
    assert not recipient.quote_consent and not Quote.objects.exists()
    task.refresh_from_db()
    assert (task.status, task.done_by) == (CallTaskStatus.DONE, operator)
    # Typed twice (another operator, a double click): the first answers stay.
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 200 and "déjà enregistrées" in again.content.decode()
    recipient.refresh_from_db()
    assert recipient.satisfaction == 5
    # Another call task is not a questionnaire.
    other = CallTask.objects.create(resident=ResidentFactory(), reason="Autre", kind="mission_done")
    assert client.get(reverse("surveys:call_answer", args=[other.pk])).status_code == 404


def test_the_wave_page_shows_its_results(client, coordinator, people, period):
    wave = _started_wave(people, period, coordinator)
    recipient = SurveyRecipient.objects.filter(wave=wave, side="volunteer").first()
    services.answer_record(recipient=recipient, rating=4, usefulness=2)
    html = client.get(reverse("surveys:wave_detail", args=[wave.pk])).content.decode()
    assert "50\u00a0%" in html and "4,0\u00a0/\u00a05" in html and "2,0\u00a0/\u00a05" in html
    listing = client.get(WAVES).content.decode()
    assert reverse("surveys:wave_detail", args=[wave.pk]) in listing


@pytest.mark.parametrize("count", [1, 5])
def test_the_wave_list_query_count_is_constant(client, coordinator, django_assert_max_num_queries, count):
    for index in range(count):
        wave = SurveyWave.objects.create(
            period_start=datetime.date(2026, 1, 1 + index),
            period_end=datetime.date(2026, 2, 1),
            closes_at=timezone.now(),
        )
        SurveyRecipient.objects.create(wave=wave, side="volunteer", volunteer=VolunteerFactory(), channel="link")
    with django_assert_max_num_queries(12):
        assert client.get(WAVES).status_code == 200


def test_only_coordinators_open_the_evaluation_pages_and_the_desk_the_call_entry(client, people, period):
    wave = _started_wave(people, period, staff_user(Role.COORDINATOR))
    task = CallTask.objects.filter(kind="survey_call").first()
    quote = Quote.objects.create(
        answer=SurveyRecipient.objects.filter(wave=wave).first(), side="volunteer", given_at=timezone.now()
    )
    coordinator_pages = [
        reverse("surveys:synthesis"),
        WAVES,
        reverse("surveys:wave_detail", args=[wave.pk]),
        reverse("surveys:quote_list"),
        reverse("surveys:quote_edit", args=[quote.pk]),
    ]
    desk_page = reverse("surveys:call_answer", args=[task.pk])
    for role in (Role.OPERATOR, Role.REGISTER_OFFICER, Role.AUDITOR, Role.PARTNER):
        client.logout()
        login_staff(client, staff_user(role))
        for url in coordinator_pages:
            assert client.get(url).status_code == 404, (role, url)
            assert client.post(url, {}).status_code == 404, (role, url)
        assert client.get(desk_page).status_code == (200 if role == Role.OPERATOR else 404), role
    client.logout()
    client.force_login(people[0].volunteer.user)
    for url in [*coordinator_pages, desk_page]:
        assert client.get(url).status_code == 404, url
    client.logout()
    login_staff(client, staff_user(Role.COORDINATOR))
    for url in [*coordinator_pages, desk_page]:
        assert client.get(url).status_code == 200, url
