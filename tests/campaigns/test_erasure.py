"""Removing a person from the register erases what the campaigns hold on them (R121-11), keeping
the anonymous counts; the call logs of long-closed campaigns are detached from the register."""

import datetime
import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_staff
from tests.factories.campaigns import NOW, accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory, isolated
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.campaigns import selectors
from villesolidaire.campaigns.enums import Action, Advice, CampaignStatus, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, CallTargetTransition, EscalationStep
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.calls import HelpRequestDraft, record_attempt
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_transition
from villesolidaire.campaigns.services.erasure import purge_call_logs
from villesolidaire.campaigns.services.escalation import escalation_record
from villesolidaire.campaigns.services.sms_replies import sms_inbound_record
from villesolidaire.campaigns.sms_wave_sending import SMS_WAVE_KIND, sms_wave_send
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.notifications.models import Message, MessageStatus
from villesolidaire.notifications.services import message_resend
from villesolidaire.register.models import RegisterEntry, RemovalReason
from villesolidaire.register.services import entry_remove

M = datetime.timedelta(minutes=1)
H = datetime.timedelta(hours=1)
REPORT_DAY = datetime.date(2026, 7, 20)
SECRET_NOTE = "Vit avec son chat, diabétique, la clé est chez la voisine"


def _work_through(campaign, entries, category):
    """Each person: texted, replies something else than 1, reached with a need (help request),
    then a wrong number that opens the escalation ladder; the first step is recorded with notes."""
    sms_wave_send(campaign=campaign, now=NOW)  # the messages stay queued: no commit in a test
    for entry in entries:
        assert sms_inbound_record(sender=entry.phone, text="Je pars chez ma fille demain", now=NOW + M)
    caller = accredited_caller()
    for _ in entries:
        target = take_next_call(campaign, caller, now=NOW + 5 * M)
        record_attempt(
            target=target,
            caller=caller,
            outcome=Outcome.REACHED_NEEDS_HELP,
            answers={"temperature": "Très chaud (plus de 30 °C)", "needs": "des courses, elle ne sort plus"},
            advice=[Advice.DRINK],
            actions=[Action.FAN],
            notes=SECRET_NOTE,
            help_request=HelpRequestDraft(category=category, description="Courses d'eau", link_resident=True),
            now=NOW + 6 * M,
        )
    for _ in entries:
        target = take_next_call(campaign, caller, now=NOW + 49 * H)
        record_attempt(target=target, caller=caller, outcome=Outcome.WRONG_NUMBER, now=NOW + 49 * H + M)
    for step in EscalationStep.objects.filter(target__campaign=campaign, done_at__isnull=True):
        escalation_record(
            step=step,
            by=officer(),
            result=EscalationResult.NO_NEWS,
            notes="Sa fille dit qu'elle est à Lyon",
            now=NOW + 50 * H,
        )
    return caller


def _reports(campaign, now):
    return {
        "daily": selectors.daily_report(campaign, today=REPORT_DAY),
        "by_caller": [(row.label, row.values) for row in selectors.by_caller(campaign)],
        "counts": selectors.campaign_counts(campaign, now),
        "by_quartier": [(row.label, row.values) for row in selectors.by_quartier(campaign, now)],
    }


@pytest.fixture
def worked(category):
    gone = isolated(RegisterEntryFactory(mobile=True, with_contacts=True, birth_date=datetime.date(1931, 2, 3)))
    stays = RegisterEntryFactory(mobile=True, with_contacts=True, birth_date=datetime.date(1940, 5, 6))
    campaign = campaign_for(episode_with(), sms_wave=True)
    _work_through(campaign, [gone, stays], category)
    return campaign, gone, stays


def _personal_call_data(entry, phone):
    """Everything the campaigns hold on the person beyond counts (empty once erased)."""
    attempts = CallAttempt.objects.filter(target__entry=entry)
    return {
        "notes": [n for n in attempts.values_list("notes", flat=True) if n],
        "answers": [a for a in attempts.values_list("answers", flat=True) if a],
        "advice": [a for a in attempts.values_list("advice", flat=True) if a],
        "actions": [a for a in attempts.values_list("actions", flat=True) if a],
        "help_requests": list(attempts.filter(help_request__isnull=False).values_list("help_request", flat=True)),
        "escalation_notes": [
            n for n in EscalationStep.objects.filter(target__entry=entry).values_list("result_notes", flat=True) if n
        ],
        "flags": list(
            CallTarget.objects.filter(entry=entry).values_list("birth_year", "is_isolated", "callback_requested")
        ),
        "sms_to_their_number": Message.objects.filter(recipient=phone).count(),
    }


def test_the_scenario_holds_personal_data_on_both_people(worked):
    """The baseline the erasure tests rely on: without it they could pass on empty data."""
    campaign, gone, stays = worked
    for entry in (gone, stays):
        data = _personal_call_data(entry, entry.phone)
        assert SECRET_NOTE in data["notes"] and "Je pars chez ma fille demain" in data["notes"]
        assert len(data["answers"]) == len(data["help_requests"]) == 1
        assert data["escalation_notes"] == ["Sa fille dit qu'elle est à Lyon"]
        assert data["sms_to_their_number"] == 1
    assert _personal_call_data(gone, gone.phone)["flags"] == [(1931, True, False)]
    assert CallTarget.objects.get(entry=gone).status == TargetStatus.ESCALATED


@pytest.mark.parametrize("reason", RemovalReason.values)
def test_removal_erases_calls_answers_flags_and_escalation_text_for_every_reason(worked, reason):
    campaign, gone, stays = worked
    before_stays = _personal_call_data(stays, stays.phone)
    phone = gone.phone
    entry_remove(entry=gone, reason=reason, by=officer())

    gone.refresh_from_db()
    assert _personal_call_data(gone, phone) == {
        "notes": [],
        "answers": [],
        "advice": [],
        "actions": [],
        "help_requests": [],
        "escalation_notes": [],
        "flags": [(None, False, False)],
        "sms_to_their_number": 0,
    }
    # The outcomes, channels and times the reports count are kept.
    assert sorted(CallAttempt.objects.filter(target__entry=gone).values_list("outcome", flat=True)) == sorted(
        [Outcome.SMS_OTHER_REPLY, Outcome.REACHED_NEEDS_HELP, Outcome.WRONG_NUMBER]
    )
    # The help request itself belongs to the resident file (another processing): only the link goes.
    assert HelpRequest.objects.count() == 2
    # The other person's data is untouched.
    stays.refresh_from_db()
    assert _personal_call_data(stays, stays.phone) == before_stays
    assert CallTarget.objects.get(entry=stays).status == TargetStatus.ESCALATED


def test_removal_leaves_the_reports_totals_unchanged(worked):
    campaign, gone, stays = worked
    now = NOW + 51 * H
    before = _reports(campaign, now)
    # people, calls, SMS replies, reached, not reached, escalations, help requests
    assert before["daily"][0][1:] == [2, 2, 2, 2, 0, 0, 2]
    assert before["daily"][2][1:] == [2, 2, 0, 0, 2, 2, 0]
    entry_remove(entry=gone, reason=RemovalReason.DEATH, by=officer())
    after = _reports(campaign, now)
    assert after["daily"] == before["daily"]
    assert after["by_caller"] == before["by_caller"]
    # The campaign still runs: the person is no longer escalated but closed, never dropped.
    assert after["counts"]["total"] == before["counts"]["total"] == 2
    assert (after["counts"]["escalated"], after["counts"]["closed"]) == (
        before["counts"]["escalated"] - 1,
        before["counts"]["closed"] + 1,
    )


def test_removal_in_a_closed_campaign_changes_no_figure(worked):
    campaign, gone, stays = worked
    campaign_transition(campaign=campaign, target=CampaignStatus.CLOSED, by=officer())
    now = NOW + 51 * H
    before = _reports(campaign, now)
    entry_remove(entry=gone, reason=RemovalReason.REQUEST, by=officer())
    assert _reports(campaign, now) == before
    assert CallTarget.objects.get(entry=gone).status == TargetStatus.ESCALATED  # history of a closed campaign


def test_removed_person_leaves_the_queue_of_a_running_campaign(category):
    gone, other = RegisterEntryFactory(), RegisterEntryFactory()
    campaign = campaign_for(episode_with())
    caller = accredited_caller()
    held = take_next_call(campaign, caller, now=NOW)
    entry = held.entry
    entry_remove(entry=entry, reason=RemovalReason.MOVED_OUT, by=officer())

    held.refresh_from_db()
    assert held.status == TargetStatus.CLOSED and held.next_call_at is None and held.locked_by is None
    transition = CallTargetTransition.objects.filter(target=held).latest("pk")
    assert (transition.to_status, transition.note) == (TargetStatus.CLOSED, "Radiation du registre")
    with pytest.raises(CampaignError, match="plus attribué"):
        record_attempt(target=held, caller=caller, outcome=Outcome.REACHED_FINE, now=NOW + M)
    following = take_next_call(campaign, caller, now=NOW + M)
    assert following.entry_id == ({gone.pk, other.pk} - {entry.pk}).pop()
    assert take_next_call(campaign, accredited_caller(), now=NOW + M) is None


def test_removal_cancels_the_wave_sms_not_yet_sent_and_cannot_be_resent():
    gone, stays = RegisterEntryFactory(mobile=True), RegisterEntryFactory(mobile=True)
    campaign = campaign_for(episode_with(), sms_wave=True)
    sms_wave_send(campaign=campaign, now=NOW)
    assert Message.objects.filter(kind=SMS_WAVE_KIND, status=MessageStatus.QUEUED).count() == 2
    entry_remove(entry=gone, reason=RemovalReason.REQUEST, by=officer())

    cancelled = Message.objects.get(kind=SMS_WAVE_KIND, recipient="")
    assert cancelled.status == MessageStatus.FAILED and "radié" in cancelled.last_error
    assert not message_resend(message=cancelled)
    kept = Message.objects.get(kind=SMS_WAVE_KIND, recipient=stays.phone)
    assert kept.status == MessageStatus.QUEUED


def test_removal_is_audited_with_counts_only(worked):
    campaign, gone, stays = worked
    entry_remove(entry=gone, reason=RemovalReason.DEATH, by=officer())
    row = AuditEntry.objects.filter(object_id=str(gone.pk), action=AuditAction.UPDATE).latest("pk")
    assert row.detail == "radiation : appels anonymisés (1 campagne(s), 3 appel(s), 1 SMS)"


def test_follow_up_page_of_a_removed_then_purged_person_is_shown_without_personal_data(client, worked):
    campaign, gone, stays = worked
    manager = officer()
    login_staff(client, manager)
    target = CallTarget.objects.get(entry=gone)
    entry_remove(entry=gone, reason=RemovalReason.DEATH, by=manager)
    url = reverse("campaigns:target_detail", args=[campaign.pk, target.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert f"Inscription n° {gone.pk} (radiée)" in response.content.decode()
    RegisterEntry.objects.filter(pk=gone.pk).delete()
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Inscription supprimée du registre" in page and SECRET_NOTE not in page


# Call logs of closed campaigns -----------------------------------------------------------------


def _closed(campaign, days_ago, today):
    campaign_transition(campaign=campaign, target=CampaignStatus.CLOSED, by=officer())
    noon = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(12)))
    campaign.transitions.filter(to_status=CampaignStatus.CLOSED).update(at=noon)


def test_call_logs_of_a_long_closed_campaign_are_detached_and_anonymised(worked, settings):
    settings.VS_CAMPAIGN_CALL_LOG_DAYS = 90
    campaign, gone, stays = worked
    recent = campaign_for(episode_with())
    running = campaign_for(episode_with())
    today = datetime.date(2026, 12, 1)
    _closed(campaign, 91, today)
    _closed(recent, 89, today)
    before = _reports(campaign, NOW + 51 * H)

    dry = purge_call_logs(today=today, dry_run=True)
    assert (dry.campaigns, dry.targets, dry.attempts) == (1, 2, 6)
    assert CallTarget.objects.filter(campaign=campaign, entry__isnull=False).count() == 2
    assert SECRET_NOTE in _personal_call_data(stays, stays.phone)["notes"]

    done = purge_call_logs(today=today)
    assert (done.campaigns, done.targets, done.attempts) == (1, 2, 6)
    assert not CallTarget.objects.filter(campaign=campaign, entry__isnull=False).exists()
    assert not CallAttempt.objects.filter(target__campaign=campaign).exclude(notes="").exists()
    assert not EscalationStep.objects.filter(target__campaign=campaign).exclude(result_notes="").exists()
    assert _reports(campaign, NOW + 51 * H) == before
    # The other campaigns keep their links; the register itself is untouched.
    assert CallTarget.objects.filter(campaign__in=[recent, running], entry__isnull=True).count() == 0
    assert RegisterEntry.objects.filter(pk__in=[gone.pk, stays.pk]).count() == 2

    audit_rows = AuditEntry.objects.count()
    again = purge_call_logs(today=today)
    assert (again.campaigns, again.targets, again.attempts) == (0, 0, 0)
    assert AuditEntry.objects.count() == audit_rows


def test_call_log_purge_command(worked):
    campaign, gone, stays = worked
    campaign_transition(campaign=campaign, target=CampaignStatus.CLOSED, by=officer())
    out = StringIO()
    call_command("purge_campaign_call_logs", "--dry-run", stdout=out)
    assert "0 campagne(s)" in out.getvalue()  # closed today: kept
    assert CallTarget.objects.filter(campaign=campaign, entry__isnull=False).count() == 2


def test_migration_anonymises_the_calls_of_entries_removed_before_this_release(worked):
    """Entries removed before the erasure hook existed kept their calls: the data migration
    treats them as a removal now does."""
    migration = importlib.import_module("villesolidaire.campaigns.migrations.0008_call_target_outlives_entry")
    campaign, gone, stays = worked
    before_stays = _personal_call_data(stays, stays.phone)
    RegisterEntry.objects.filter(pk=gone.pk).update(status="removed", removal_reason=RemovalReason.REQUEST)

    migration.anonymise_removed_entries(django_apps, SimpleNamespace(connection=connection))

    data = _personal_call_data(gone, "")
    assert (data["notes"], data["answers"], data["help_requests"], data["escalation_notes"]) == ([], [], [], [])
    assert data["flags"] == [(None, False, False)]
    target = CallTarget.objects.get(entry=gone)
    assert target.status == TargetStatus.CLOSED and target.next_call_at is None
    assert target.transitions.latest("pk").note == "Radiation du registre"
    assert _personal_call_data(stays, stays.phone) == before_stays
