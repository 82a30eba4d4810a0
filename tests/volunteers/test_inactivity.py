"""Volunteers inactive for VS_VOLUNTEER_INACTIVE_MONTHS are told, then anonymised after
VS_VOLUNTEER_NOTICE_DAYS unless they come back (volunteers/inactivity.py)."""

import logging
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpRequestFactory, MissionFactory, SupportFactory, VolunteerFactory
from tests.factories.needs import ShiftFactory, SignupFactory
from tests.factories.trainings import SessionRegistrationFactory, TrainingSessionFactory, VolunteerTrainingFactory
from villesolidaire.accounts.models import User
from villesolidaire.core.dates import add_months
from villesolidaire.core.tenancy import site_url
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import Proposal, ProposalOffer, VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus, SupportStatus
from villesolidaire.notifications.models import Channel, Message, MessageStatus
from villesolidaire.notifications.sms import gsm7_length
from villesolidaire.reporting.selectors import ACTIVE, Period, dashboard
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.inactivity import NOTICE_KIND, InactivityRun, inactivity_run
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import magic_link_url

NOW = timezone.now()
LONG_AGO = NOW - timedelta(days=3 * 365)


@pytest.fixture(autouse=True)
def periods(settings):
    settings.VS_VOLUNTEER_INACTIVE_MONTHS = 24
    settings.VS_VOLUNTEER_NOTICE_DAYS = 30


def dormant(**kwargs) -> Volunteer:
    """A volunteer who signed up, was validated and last signed in three years ago."""
    volunteer = VolunteerFactory(
        status=kwargs.pop("status", Status.ACTIVE), created_at=LONG_AGO, validated_at=LONG_AGO, **kwargs
    )
    User.objects.filter(pk=volunteer.user_id).update(last_login=LONG_AGO)
    volunteer.user.refresh_from_db()
    index_volunteer(volunteer)
    return volunteer


def anonymised(volunteer: Volunteer) -> bool:
    volunteer.refresh_from_db()
    return volunteer.anonymised_at is not None


def test_a_volunteer_is_told_after_the_inactive_period_not_a_second_before():
    cutoff = add_months(NOW, -24)
    on_the_edge = dormant(email="bord@example.org", user__email="bord@example.org")
    just_past = dormant(email="passe@example.org", user__email="passe@example.org")
    User.objects.filter(pk=on_the_edge.user_id).update(last_login=cutoff)
    User.objects.filter(pk=just_past.user_id).update(last_login=cutoff - timedelta(seconds=1))

    assert inactivity_run(now=NOW) == InactivityRun(noticed=1)

    on_the_edge.refresh_from_db()
    just_past.refresh_from_db()
    assert on_the_edge.inactivity_notice_at is None
    assert just_past.inactivity_notice_at == NOW


def test_the_notice_names_the_day_and_the_sign_in_page_without_a_sign_in_link():
    volunteer = dormant(phone="+33698765432")
    inactivity_run(now=NOW)
    message = Message.objects.get(kind=NOTICE_KIND)
    assert (message.channel, message.recipient) == (Channel.SMS, "+33698765432")
    day = (timezone.localdate(NOW) + timedelta(days=30)).strftime("%d/%m/%Y")
    assert f"sera anonymisé le {day} sauf si vous vous connectez" in message.body
    assert f"{site_url()}{reverse('volunteers:magic_link_request')}" in message.body
    assert message.personal_links == "" and "jeton" not in message.outgoing_body()
    assert gsm7_length(message.outgoing_body()) <= 160
    assert not anonymised(volunteer)


def test_the_notice_goes_by_email_when_there_is_no_mobile():
    dormant(phone="", email="lea@example.org", user__email="lea@example.org")
    inactivity_run(now=NOW)
    message = Message.objects.get(kind=NOTICE_KIND)
    assert (message.channel, message.recipient) == (Channel.EMAIL, "lea@example.org")
    assert "Votre compte sera anonymisé le" in message.body and "sauf si vous vous connectez" in message.body


def _mission(volunteer, at):
    support = SupportFactory(volunteer=volunteer, status=SupportStatus.ENDED, started_at=LONG_AGO)
    MissionFactory(support=support, scheduled_at=at)


def _offer_answered(volunteer, at):
    proposal = Proposal.objects.create(help_request=HelpRequestFactory(), expires_at=at)
    ProposalOffer.objects.create(proposal=proposal, volunteer=volunteer, sent_at=at, responded_at=at)


RECENT = NOW - timedelta(days=40)
ACTIVITIES = {
    "sign-in": lambda v: User.objects.filter(pk=v.user_id).update(last_login=RECENT),
    "status change": lambda v: WORKFLOW.log_creation(v, by=None),
    "mission": lambda v: _mission(v, RECENT),
    "support still going on": lambda v: SupportFactory(volunteer=v, started_at=LONG_AGO),
    "shift sign-up": lambda v: SignupFactory(volunteer=v, shift=ShiftFactory(starts_at=RECENT)),
    "training session": lambda v: SessionRegistrationFactory(volunteer=v, session=TrainingSessionFactory()),
    "training followed": lambda v: VolunteerTrainingFactory(volunteer=v, completed_on=RECENT.date()),
    "offer answered": lambda v: _offer_answered(v, RECENT),
}


@pytest.mark.parametrize("activity", ACTIVITIES)
def test_any_recent_activity_keeps_a_volunteer_from_the_notice(activity):
    volunteer = dormant()
    ACTIVITIES[activity](volunteer)
    assert inactivity_run(now=NOW) == InactivityRun()
    volunteer.refresh_from_db()
    assert volunteer.inactivity_notice_at is None and not Message.objects.filter(kind=NOTICE_KIND).exists()


def test_old_activity_does_not_count():
    volunteer = dormant()
    _mission(volunteer, LONG_AGO)
    SignupFactory(volunteer=volunteer, shift=ShiftFactory(starts_at=LONG_AGO), created_at=LONG_AGO)
    VolunteerTrainingFactory(volunteer=volunteer, completed_on=LONG_AGO.date())
    _offer_answered(volunteer, LONG_AGO)
    assert inactivity_run(now=NOW).noticed == 1


def test_anonymised_on_the_announced_day_not_the_day_before():
    volunteer = dormant(first_name="Léa", email="lea@example.org", user__email="lea@example.org", birth_year=1960)
    inactivity_run(now=NOW)
    Message.objects.filter(kind=NOTICE_KIND).update(status=MessageStatus.SENT)  # gone out meanwhile

    assert inactivity_run(now=NOW + timedelta(days=29)) == InactivityRun()
    assert not anonymised(volunteer)

    assert inactivity_run(now=NOW + timedelta(days=30)) == InactivityRun(anonymised=1)
    volunteer.refresh_from_db()
    assert volunteer.status == Status.WITHDRAWN and volunteer.anonymised_at
    assert (volunteer.first_name, volunteer.email, volunteer.phone, volunteer.birth_year) == (
        "Volontaire",
        "",
        "",
        None,
    )
    assert volunteer.address == "" and volunteer.latitude is None and volunteer.skills_other == ""
    user = volunteer.user
    assert not user.is_active and not user.has_usable_password() and user.email.endswith("@sans-email.invalid")
    assert not VolunteerMatchProfile.objects.filter(volunteer=volunteer).exists()
    change = volunteer.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == (Status.ACTIVE, Status.WITHDRAWN, None)
    assert "inactivité" in change.note
    # The notice sent is emptied like every message of a withdrawn volunteer.
    notice = Message.objects.get(kind=NOTICE_KIND)
    assert notice.recipient == "(anonymisé)" and "Léa" not in notice.body


def test_signing_in_after_the_notice_cancels_it(client):
    volunteer = dormant()
    inactivity_run(now=NOW)
    link = urlsplit(magic_link_url(volunteer=volunteer))
    assert client.get(f"{link.path}?{link.query}").url == reverse("volunteers:space")  # signed in by the link

    assert inactivity_run(now=NOW + timedelta(days=30)) == InactivityRun(cleared=1)
    volunteer.refresh_from_db()
    assert volunteer.inactivity_notice_at is None and not volunteer.anonymised_at
    assert volunteer.status == Status.ACTIVE


def test_a_second_run_does_nothing_and_others_are_untouched():
    sleeper = dormant()
    neighbour = VolunteerFactory(status=Status.ACTIVE, first_name="Awa")
    index_volunteer(neighbour)
    before = Volunteer.objects.filter(pk=neighbour.pk).values().get()

    assert inactivity_run(now=NOW).noticed == 1
    assert inactivity_run(now=NOW) == InactivityRun()
    assert inactivity_run(now=NOW + timedelta(days=30)).anonymised == 1
    assert inactivity_run(now=NOW + timedelta(days=30)) == InactivityRun()
    assert inactivity_run(now=NOW + timedelta(days=400)) == InactivityRun()  # withdrawn: never told again

    assert anonymised(sleeper)
    assert Message.objects.filter(kind=NOTICE_KIND).count() == 1
    assert Volunteer.objects.filter(pk=neighbour.pk).values().get() == before
    assert VolunteerMatchProfile.objects.filter(volunteer=neighbour).exists()


def test_a_dry_run_counts_without_changing_or_sending_anything():
    told = dormant()
    inactivity_run(now=NOW)
    dormant()
    messages = Message.objects.count()

    assert inactivity_run(now=NOW + timedelta(days=30), dry_run=True) == InactivityRun(
        anonymised=1, noticed=1, dry_run=True
    )
    assert Message.objects.count() == messages
    assert not anonymised(told)
    assert Volunteer.objects.filter(inactivity_notice_at__isnull=True).count() == 1


def test_a_session_open_before_the_anonymisation_no_longer_signs_in(client):
    volunteer = dormant()
    client.force_login(volunteer.user)
    User.objects.filter(pk=volunteer.user_id).update(last_login=LONG_AGO)  # force_login counts as a sign-in
    inactivity_run(now=NOW)
    inactivity_run(now=NOW + timedelta(days=30))
    assert anonymised(volunteer)
    response = client.get(reverse("volunteers:space"))
    assert response.status_code == 302 and response.url.startswith(reverse("volunteers:magic_link_request"))


def figures(period: Period) -> dict:
    board = dashboard(period)
    return {
        "totals": board.totals,
        "breakdowns": {name: [asdict(row) for row in rows] for name, _label, rows in board.breakdowns},
    }


def without_active(figures_: dict) -> dict:
    """The figures but « active », which, read up to today, counts today's statuses."""

    def drop(values: dict) -> dict:
        return {code: value for code, value in values.items() if code != ACTIVE}

    return {
        "totals": drop(figures_["totals"]),
        "breakdowns": {
            name: [{**row, "values": drop(row["values"])} for row in rows]
            for name, rows in figures_["breakdowns"].items()
        },
    }


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.PAUSED])
def test_the_dashboard_figures_of_past_periods_do_not_change(status):
    sleeper = dormant(status=status)
    support = SupportFactory(volunteer=sleeper, started_at=LONG_AGO, status=SupportStatus.ENDED)
    MissionFactory(support=support, scheduled_at=LONG_AGO, status=MissionStatus.DONE, done_at=LONG_AGO)
    SignupFactory(
        volunteer=sleeper, shift=ShiftFactory(starts_at=LONG_AGO), created_at=LONG_AGO, attended=True, hours=3
    )
    other = VolunteerFactory(status=Status.ACTIVE)
    MissionFactory(support=SupportFactory(volunteer=other), status=MissionStatus.DONE, done_at=NOW)
    periods = [Period(), Period(start=LONG_AGO.date() - timedelta(days=10), end=LONG_AGO.date() + timedelta(days=10))]
    before = [figures(period) for period in periods]
    assert before[1]["totals"]["missions_done"] == 1 and before[1]["totals"]["shift_hours"] == 3

    inactivity_run(now=NOW)
    inactivity_run(now=NOW + timedelta(days=30))
    assert anonymised(sleeper)

    after = [figures(period) for period in periods]
    if status == Status.ACTIVE:
        # Read up to today, « active » is today's count: the anonymised volunteer no longer is one.
        assert after[0]["totals"][ACTIVE] == before[0]["totals"][ACTIVE] - 1
        assert without_active(after[0]) == without_active(before[0])
        # A past period reads the status history as it stood at its end: nothing changes.
        assert after[1] == before[1]
    else:
        assert after == before
    assert Decimal(after[1]["totals"]["shift_hours"]) == 3


def test_the_command_logs_counts_only_and_has_a_dry_run(caplog, capsys):
    dormant(first_name="Léa", email="lea@example.org", user__email="lea@example.org")
    with caplog.at_level(logging.INFO, logger="villesolidaire.volunteers.inactivity"):
        call_command("anonymise_inactive_volunteers", "--dry-run")
    assert "Simulation" in capsys.readouterr().out and not Message.objects.exists()

    with caplog.at_level(logging.INFO, logger="villesolidaire.volunteers.inactivity"):
        call_command("anonymise_inactive_volunteers")
    assert "1 préavis envoyé(s)" in capsys.readouterr().out
    record = caplog.records[-1]
    assert (record.job, record.noticed, record.anonymised, record.cleared, record.dry_run) == (
        "anonymise_inactive_volunteers",
        1,
        0,
        0,
        False,
    )
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Léa" not in logged and "lea@example.org" not in logged


def test_the_privacy_notice_states_the_configured_periods(client, settings):
    settings.VS_VOLUNTEER_INACTIVE_MONTHS, settings.VS_VOLUNTEER_NOTICE_DAYS = 36, 45
    html = client.get(reverse("core:privacy")).content.decode()
    assert "pendant 36 mois" in html and "anonymisé 45 jours plus tard" in html
