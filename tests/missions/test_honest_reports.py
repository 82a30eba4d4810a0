"""A mission is reported only once started, the resident is told only what was recorded, a
volunteer may ask for another date, and the accepted offer leads to the support's own link."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    HelpCategoryFactory,
    HelpRequestFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.matching.test_proposals import propose
from villesolidaire.accounts.enums import Role
from villesolidaire.matching.index import index_volunteer
from villesolidaire.missions import services
from villesolidaire.missions.enums import MissedReason, MissionStatus, RescheduleStatus, SupportStatus
from villesolidaire.missions.models import Mission, RescheduleRequest, SupportLink
from villesolidaire.missions.resident_texts import UnrecordedEvent, done_is_recorded, report_text
from villesolidaire.notifications.models import CallTask, Message
from villesolidaire.notifications.sms import to_gsm7

DONE_WORDS = "a bien eu lieu"


def _support(*, mobile: bool = True):
    resident = ResidentFactory(with_mobile=True) if mobile else ResidentFactory(mobile="")
    return SupportFactory(help_request=HelpRequestFactory(resident=resident))


def _plan(support, delta: timedelta) -> Mission:
    return services.mission_plan(support=support, scheduled_at=timezone.now() + delta, by=None, inform=False)


def _resident_texts() -> list[str]:
    """Every text sent or to be said to a resident: SMS bodies and call-task scripts."""
    return [*Message.objects.values_list("body", flat=True), *CallTask.objects.values_list("reason", flat=True)]


# Reporting before the start ---------------------------------------------------------------------


@pytest.mark.parametrize("done", [True, False])
def test_the_service_refuses_a_report_before_the_mission_starts(done):
    mission = _plan(_support(), timedelta(hours=3))
    with pytest.raises(services.MissionNotStarted, match="commence le"):
        services.mission_report(mission=mission, done=done, by=None, duration_minutes=30)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED and mission.done_at is None
    assert mission.transitions.count() == 1
    assert _resident_texts() == []


def test_later_the_same_day_is_still_before_the_start(client):
    """The old check compared dates only: a mission at 18 h could be reported done at 10 h."""
    mission = _plan(_support(), timedelta(minutes=30))
    client.force_login(mission.support.volunteer.user)
    url = reverse("missions:mission_report", args=[mission.pk])
    page = client.get(url).content.decode()
    assert "pas encore commencé" in page and reverse("missions:mission_reschedule", args=[mission.pk]) in page
    response = client.post(url, {"outcome": "done", "duration_minutes": "30"})
    assert response.status_code == 400
    mission.refresh_from_db()
    assert mission.status == MissionStatus.PLANNED and _resident_texts() == []


# What the resident is told ----------------------------------------------------------------------


@pytest.mark.parametrize("mobile", [True, False], ids=["sms", "call_task"])
@pytest.mark.parametrize(
    ("outcome", "reason", "expected", "kind"),
    [
        ("done", "", "a bien eu lieu", "mission_done"),
        (
            "missed",
            MissedReason.RESIDENT_ABSENT,
            "n'a pas eu lieu (personne absente au rendez-vous)",
            "mission_missed",
        ),
        (
            "missed",
            MissedReason.RESIDENT_CANCELLED,
            "n'a pas eu lieu (rendez-vous annulé de votre part)",
            "mission_missed",
        ),
        (
            "missed",
            MissedReason.VOLUNTEER_PREVENTED,
            "n'a pas eu lieu (empêchement de votre volontaire)",
            "mission_missed",
        ),
        ("missed", MissedReason.OTHER, "n'a pas eu lieu.", "mission_missed"),
        ("cancelled", "", "est annulée", "mission_cancelled"),
    ],
)
def test_each_outcome_is_told_as_recorded(client, mobile, outcome, reason, expected, kind):
    support = _support(mobile=mobile)
    mission = _plan(support, -timedelta(hours=2))
    if outcome == "cancelled":
        login_staff(client, staff_user(Role.COORDINATOR))
        client.post(reverse("missions:mission_cancel", args=[mission.pk]), {"reason": "Hospitalisation"})
    else:
        client.force_login(support.volunteer.user)
        data = {"outcome": outcome, "missed_reason": reason}
        if outcome == "done":
            data["duration_minutes"] = "40"
        assert client.post(reverse("missions:mission_report", args=[mission.pk]), data).status_code == 302
    mission.refresh_from_db()
    assert mission.status == {"done": "done", "missed": "missed", "cancelled": "cancelled"}[outcome]
    assert mission.missed_reason == reason
    [text] = _resident_texts()
    (Message if mobile else CallTask).objects.get(kind=kind)
    day = timezone.localtime(mission.scheduled_at)
    said = to_gsm7(expected) if mobile else expected  # SMS go out in GSM-7 (« ê » becomes « e »)
    assert f" {day.day} " in text and said in text
    assert (DONE_WORDS in text) == (mission.status == MissionStatus.DONE and done_is_recorded(mission, timezone.now()))
    assert "Hospitalisation" not in text  # the coordinator's reason is not the resident's message


def test_no_resident_message_states_an_event_that_was_not_recorded(client):
    """A whole day of reports, refusals and moves: whatever reached residents, a « done » only
    for a mission recorded done on a date that has come, and every mission told at most what it holds."""
    support = _support()
    past, future, other = (
        _plan(support, delta) for delta in (-timedelta(hours=1), timedelta(days=2), -timedelta(days=1))
    )
    client.force_login(support.volunteer.user)
    for mission in (future, past):
        client.post(
            reverse("missions:mission_report", args=[mission.pk]), {"outcome": "done", "duration_minutes": "20"}
        )
    client.post(reverse("missions:mission_report", args=[other.pk]), {"outcome": "missed", "missed_reason": "absent"})
    texts = _resident_texts()
    assert len(texts) == 2  # the refused report of the mission to come sent nothing
    for mission in Mission.objects.all():
        told = [text for text in texts if to_gsm7(services.when_label(mission.scheduled_at)) in text]
        if done_is_recorded(mission, timezone.now()):
            assert len(told) == 1 and DONE_WORDS in told[0]
        elif mission.status == MissionStatus.MISSED:
            assert len(told) == 1 and DONE_WORDS not in told[0] and "n'a pas eu lieu" in told[0]
        else:
            assert told == []
    future.refresh_from_db()
    assert future.status == MissionStatus.PLANNED


def test_the_text_refuses_a_done_mission_whose_date_has_not_come():
    mission = Mission(pk=1, status=MissionStatus.DONE, scheduled_at=timezone.now() + timedelta(days=1))
    mission.done_at = timezone.now()
    with pytest.raises(UnrecordedEvent):
        report_text(mission, volunteer_name="Ana", when=str, hotline="", now=timezone.now())
    mission.status = MissionStatus.PLANNED
    with pytest.raises(UnrecordedEvent):
        report_text(mission, volunteer_name="Ana", when=str, hotline="", now=timezone.now())


# Another date --------------------------------------------------------------------------------------


def _ask(client, mission, when, note="La personne préfère le matin."):
    url = reverse("missions:mission_reschedule", args=[mission.pk])
    return client.post(url, {"wished_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M"), "note": note})


def test_a_volunteer_asks_for_another_date_and_the_coordinator_accepts(client):
    coordinator = staff_user(Role.COORDINATOR)
    support = _support()
    mission = _plan(support, timedelta(days=1))
    wished = (timezone.localtime() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    client.force_login(support.volunteer.user)
    assert _ask(client, mission, wished).status_code == 302
    wish = RescheduleRequest.objects.get()
    assert (wish.status, wish.wished_at, wish.requested_by) == (
        RescheduleStatus.PENDING,
        wished,
        support.volunteer.user,
    )
    assert list(Mission.objects.reschedule_requested()) == [mission]
    alert = Message.objects.get(kind="reschedule_requested")
    assert alert.recipient == coordinator.email and "préfère le matin" in alert.body
    # A second request while the first waits is refused, with a clear message.
    response = _ask(client, mission, wished + timedelta(days=1))
    assert response.status_code == 400 and RescheduleRequest.objects.count() == 1

    login_staff(client, coordinator)
    page = client.get(reverse("missions:support_detail", args=[support.pk])).content.decode()
    assert "Autre créneau demandé" in page
    assert client.post(reverse("missions:reschedule_accept", args=[wish.pk])).status_code == 302
    mission.refresh_from_db()
    wish.refresh_from_db()
    assert (mission.status, mission.scheduled_at, wish.status) == (MissionStatus.PLANNED, wished, "accepted")
    move = mission.transitions.last()
    assert (move.from_status, move.to_status, move.by) == ("planned", "planned", coordinator)
    assert "Déplacée du" in move.note
    assert "est déplacée au" in Message.objects.get(kind="mission_moved").body
    assert Message.objects.filter(kind="reschedule_answered").count() == 1
    assert not Mission.objects.reschedule_requested().exists()
    # Answering twice changes nothing.
    response = client.post(reverse("missions:reschedule_refuse", args=[wish.pk]), {"reason": ""}, follow=True)
    assert "déjà reçu une réponse" in response.content.decode()


def test_the_coordinator_refuses_and_the_mission_keeps_its_date(client):
    support = _support()
    mission = _plan(support, timedelta(days=1))
    wish = services.reschedule_request(
        mission=mission, wished_at=timezone.now() + timedelta(days=4), by=support.volunteer.user
    )
    login_staff(client, staff_user(Role.COORDINATOR))
    client.post(reverse("missions:reschedule_refuse", args=[wish.pk]), {"reason": "Personne indisponible"})
    wish.refresh_from_db()
    before = mission.scheduled_at
    mission.refresh_from_db()
    assert (wish.status, wish.refusal_reason, mission.scheduled_at) == ("refused", "Personne indisponible", before)
    assert wish.transitions.last().to_status == "refused"
    assert "Personne indisponible" in Message.objects.get(kind="reschedule_answered").body
    assert not Message.objects.filter(kind="mission_moved").exists()


@pytest.mark.parametrize("outcome", ["done", "cancelled"])
def test_a_pending_request_is_closed_when_the_mission_is_reported_or_cancelled(outcome):
    support = _support()
    mission = _plan(support, timedelta(days=1))
    wish = services.reschedule_request(
        mission=mission, wished_at=timezone.now() + timedelta(days=4), by=support.volunteer.user
    )
    assert Mission.objects.reschedule_requested().count() == 1
    if outcome == "done":
        # Nobody answered; the mission took place at its date after all.
        Mission.objects.filter(pk=mission.pk).update(scheduled_at=timezone.now() - timedelta(hours=2))
        services.mission_report(mission=mission, done=True, by=support.volunteer.user, duration_minutes=60)
    else:
        services.mission_cancel(mission=mission, by=None, reason="Hospitalisation")
    wish.refresh_from_db()
    assert wish.status == RescheduleStatus.REFUSED and wish.refusal_reason.startswith("Sans objet : mission")
    assert wish.transitions.last().to_status == RescheduleStatus.REFUSED
    assert not Message.objects.filter(kind="reschedule_answered").exists()
    assert Mission.objects.reschedule_requested().count() == 0


@pytest.mark.parametrize("delta", [-timedelta(hours=1), timedelta(days=400)])
def test_another_date_must_be_ahead_and_within_a_year(client, delta):
    mission = _plan(_support(), timedelta(days=1))
    client.force_login(mission.support.volunteer.user)
    response = _ask(client, mission, timezone.now() + delta)
    assert response.status_code == 400 and not RescheduleRequest.objects.exists()


def test_operators_cannot_answer_a_request_for_another_date(client):
    support = _support()
    wish = services.reschedule_request(
        mission=_plan(support, timedelta(days=1)), wished_at=timezone.now() + timedelta(days=2), by=None
    )
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.post(reverse("missions:reschedule_accept", args=[wish.pk])).status_code == 404
    wish.refresh_from_db()
    assert wish.status == RescheduleStatus.PENDING


# The support's own link ----------------------------------------------------------------------------


def _link(support) -> str:
    return services.support_link_issue(support=support)


def test_the_support_link_opens_that_supports_report_and_nothing_else(client):
    support = _support()
    mission = _plan(support, -timedelta(hours=1))
    stranger = _plan(_support(), -timedelta(hours=1))
    path = _link(support)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200 and "_auth_user_id" not in client.session  # no sign-in
    report = reverse("missions:link_mission_report", args=[token, mission.pk])
    assert report in page.content.decode()
    response = client.post(report, {"outcome": "done", "duration_minutes": "25"})
    assert response.status_code == 302
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DONE and mission.transitions.last().by == support.volunteer.user
    # Another support's mission, the volunteer space and a made-up key stay closed.
    assert client.get(reverse("missions:link_mission_report", args=[token, stranger.pk])).status_code == 404
    assert client.get(reverse("missions:link_mission_reschedule", args=[token, stranger.pk])).status_code == 404
    assert client.get(reverse("missions:mission_report", args=[mission.pk])).status_code == 302  # to sign-in
    assert client.get(reverse("missions:support_by_link", args=["x" * 32])).status_code == 404


def test_the_support_link_is_stored_hashed_and_expires(client, settings):
    support = _support()
    path = _link(support)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    link = SupportLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in link.token_hash
    assert client.get(path).status_code == 200
    # Past its own date…
    SupportLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(path).status_code == 410
    # …or after the support ended and the grace passed.
    SupportLink.objects.update(expires_at=timezone.now() + timedelta(days=10))
    support.status, support.ended_at = (
        SupportStatus.ENDED,
        timezone.now() - timedelta(hours=settings.VS_LINK_GRACE_HOURS + 1),
    )
    support.save()
    assert client.get(path).status_code == 410


def test_the_accepted_offer_page_leads_to_the_support_link(client):
    category = HelpCategoryFactory(name="Courses lien", bit=31)
    resident = ResidentFactory(with_mobile=True, located=True, latitude=48.11, longitude=-1.68)
    help_request = HelpRequestFactory(resident=resident, category=category)
    volunteer = VolunteerFactory(active=True, categories=[category], latitude=48.111, longitude=-1.68)
    index_volunteer(volunteer)
    _proposal, [offer] = propose(help_request, [volunteer])
    response = client.post(reverse("matching:offer_response", args=[offer.token]), {"reponse": "accepter"})
    html = response.content.decode()
    found = re.search(r'href="(/soutien/[^"]+/)"', html)
    assert found, html
    page = client.get(found.group(1))
    assert page.status_code == 200 and "Votre soutien" in page.content.decode()
    assert SupportLink.objects.get().support.volunteer == volunteer
