"""The trace of a removal is kept VS_REGISTER_REMOVED_PURGE_DAYS, then purged (R121-11)."""

import datetime
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories.campaigns import NOW, accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.campaigns import selectors
from villesolidaire.campaigns.enums import Outcome
from villesolidaire.campaigns.models import CallAttempt, CallTarget, CallTargetTransition
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.calls import record_attempt
from villesolidaire.register.models import EntryStatus, RegisterEntry, RegisterEntryTransition, RemovalReason
from villesolidaire.register.services import entry_create, entry_remove, purge_removed_entries

TODAY = datetime.date(2027, 9, 1)


def _removed(on: datetime.date, reason=RemovalReason.REQUEST) -> RegisterEntry:
    entry = RegisterEntryFactory()
    return entry_remove(entry=entry, reason=reason, by=officer(), on=on)


@pytest.fixture
def entries(settings):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 365
    cutoff = TODAY - datetime.timedelta(days=365)
    return {
        "old_request": _removed(cutoff - datetime.timedelta(days=1)),
        "old_death": _removed(cutoff - datetime.timedelta(days=200), RemovalReason.DEATH),
        "on_the_cutoff": _removed(cutoff),
        "recent": _removed(TODAY - datetime.timedelta(days=10)),
        "registered": RegisterEntryFactory(),
    }


def _state():
    return (
        sorted(RegisterEntry.objects.values_list("pk", "status", "removal_reason", "removed_on")),
        RegisterEntryTransition.objects.count(),
        AuditEntry.objects.count(),
    )


def test_purge_after_the_delay_deletes_the_row_and_its_history_and_keeps_the_others(entries):
    old = [entries["old_request"].pk, entries["old_death"].pk]
    history = RegisterEntryTransition.objects.filter(entry_id__in=old).count()
    assert history >= 2  # at least the removal of each
    result = purge_removed_entries(today=TODAY)

    assert (result.entries, result.transitions) == (2, history)
    assert result.by_reason == {RemovalReason.DEATH: 1, RemovalReason.REQUEST: 1}
    assert not RegisterEntry.objects.filter(pk__in=old).exists()
    assert not RegisterEntryTransition.objects.filter(entry_id__in=old).exists()
    kept = {entries[name].pk for name in ("on_the_cutoff", "recent", "registered")}
    assert set(RegisterEntry.objects.values_list("pk", flat=True)) == kept
    assert RegisterEntry.objects.get(pk=entries["registered"].pk).status == EntryStatus.REGISTERED
    assert RegisterEntry.objects.get(pk=entries["registered"].pk).last_name == entries["registered"].last_name


def test_purge_is_idempotent_and_audited_once(entries):
    purge_removed_entries(today=TODAY)
    rows = AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="register.RegisterEntry", object_id="")
    assert [row.detail for row in rows] == [
        f"purge des inscriptions radiées avant le {TODAY - datetime.timedelta(days=365):%d/%m/%Y} : 2 supprimée(s)"
    ]
    before = _state()
    again = purge_removed_entries(today=TODAY)
    assert again.entries == 0 and again.by_reason == {}
    assert _state() == before


def test_dry_run_changes_nothing(entries):
    before = _state()
    result = purge_removed_entries(today=TODAY, dry_run=True)
    assert result.entries == 2 and result.dry_run
    assert _state() == before


def test_a_shorter_delay_reaches_more_entries(entries, settings):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 5
    assert purge_removed_entries(today=TODAY).entries == 4
    assert list(RegisterEntry.objects.values_list("pk", flat=True)) == [entries["registered"].pk]


def test_purge_keeps_the_campaign_calls_anonymous_and_the_reports_unchanged(settings):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 30
    gone, stays = RegisterEntryFactory(), RegisterEntryFactory()
    campaign = campaign_for(episode_with())
    caller = accredited_caller()
    for outcome in (Outcome.REACHED_FINE, Outcome.NO_ANSWER):
        record_attempt(
            target=take_next_call(campaign, caller, now=NOW), caller=caller, outcome=outcome, notes="x", now=NOW
        )
    entry_remove(entry=gone, reason=RemovalReason.DEATH, by=officer(), on=NOW.date())
    target = CallTarget.objects.get(entry=gone)
    report = selectors.daily_report(campaign, today=NOW.date())
    counts = selectors.campaign_counts(campaign, NOW)

    assert purge_removed_entries(today=NOW.date() + datetime.timedelta(days=31)).entries == 1
    target.refresh_from_db()
    assert target.entry_id is None
    assert CallAttempt.objects.filter(target=target).count() == 1
    assert CallTargetTransition.objects.filter(target=target).exists()
    assert selectors.daily_report(campaign, today=NOW.date()) == report
    assert selectors.campaign_counts(campaign, NOW) == counts
    assert CallTarget.objects.get(entry=stays).entry_id == stays.pk


def test_a_public_duplicate_of_a_purged_entry_keeps_only_an_empty_link(settings):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 30
    original = RegisterEntryFactory(last_name="Durand", first_names="Odette", birth_date=datetime.date(1940, 1, 1))
    data = {
        "last_name": "Durand",
        "first_names": "Odette",
        "birth_date": datetime.date(1940, 1, 1),
        "ground": "age_65",
        "address": "3 rue Haute",
        "request_date": datetime.date(2026, 1, 1),
    }
    duplicate = entry_create(data=data, by=None, flag_duplicates=True)
    assert duplicate.possible_duplicate_of_id == original.pk
    entry_remove(entry=original, reason=RemovalReason.DUPLICATE, by=officer(), on=datetime.date(2026, 1, 2))
    assert purge_removed_entries(today=datetime.date(2026, 3, 1)).entries == 1
    duplicate.refresh_from_db()
    assert duplicate.possible_duplicate_of_id is None and duplicate.last_name == "Durand"


def test_command_dry_run_then_purge_logs_counts_only(settings, caplog):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 30
    today = timezone.localdate()
    old = _removed(today - datetime.timedelta(days=31), RemovalReason.DEATH)
    recent = _removed(today - datetime.timedelta(days=29))
    out = StringIO()
    with caplog.at_level(logging.INFO, logger="villesolidaire.register.services"):
        call_command("purge_register", "--dry-run", stdout=out)
        assert "1 inscription(s) radiée(s)" in out.getvalue() and "seraient supprimée(s) (Décès : 1)" in out.getvalue()
        assert RegisterEntry.objects.filter(pk=old.pk).exists()
        call_command("purge_register", stdout=out)
    assert "supprimée(s) (Décès : 1) ; conservation : 30 jours." in out.getvalue()
    assert list(RegisterEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    records = [r for r in caplog.records if getattr(r, "job", "") == "purge_register"]
    assert [(r.dry_run, r.entries, r.by_reason) for r in records] == [
        (True, 1, {"death": 1}),
        (False, 1, {"death": 1}),
    ]


def test_removal_page_announces_the_erasure_and_the_purge_delay_and_the_post_erases_the_calls(
    officer_client, settings
):
    settings.VS_REGISTER_REMOVED_PURGE_DAYS = 400
    entry = RegisterEntryFactory()
    campaign = campaign_for(episode_with())
    caller = accredited_caller()
    target = take_next_call(campaign, caller, now=NOW)
    record_attempt(
        target=target, caller=caller, outcome=Outcome.REACHED_FINE, notes="Sa voisine passe le soir", now=NOW
    )
    url = reverse("register:remove", args=[entry.pk])
    page = officer_client.get(url).content.decode()
    assert "ses appels sont anonymisés" in page and "supprimée 400 jours après la date de radiation" in page
    response = officer_client.post(url, {"reason": RemovalReason.DEATH, "confirm": "on"})
    assert response.status_code == 302
    assert list(CallAttempt.objects.filter(target__entry=entry).values_list("notes", flat=True)) == [""]
