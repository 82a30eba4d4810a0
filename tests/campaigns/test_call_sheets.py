"""Paper call sheets: people leased to one caller, printed (page and A4 PDF), results entered back."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_staff
from tests.factories.campaigns import accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory
from tests.pdf import pdf_text
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.campaigns.enums import Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallSheet, CallTarget
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.call_queue import take_next_call
from villesolidaire.campaigns.services.call_sheets import SheetResult, call_sheet_create, call_sheet_enter_results
from villesolidaire.core.text import french_phone


@pytest.fixture
def campaign():
    for _ in range(8):
        RegisterEntryFactory(with_contacts=True)
    return campaign_for(episode_with(), by=officer(), now=timezone.now() - datetime.timedelta(minutes=30))


def _sheet(client, campaign, size=5):
    caller = accredited_caller()
    login_staff(client, caller)
    response = client.post(reverse("campaigns:call_sheet_create", args=[campaign.pk]), {"size": size, "hours": 6})
    sheet = CallSheet.objects.get(caller=caller)
    assert response["Location"] == reverse("campaigns:call_sheet", args=[sheet.pk])
    return caller, sheet


def test_a_sheet_leases_the_next_people_to_its_caller_and_nobody_else_gets_them(client, campaign):
    caller, sheet = _sheet(client, campaign, size=5)
    held = CallTarget.objects.filter(sheet=sheet)
    assert held.count() == 5 and set(held.values_list("locked_by", flat=True)) == {caller.pk}
    assert list(sheet.lines.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    other = accredited_caller()
    taken = {take_next_call(campaign, accredited_caller()).pk for _ in range(3)}
    assert not taken & set(held.values_list("pk", flat=True))
    assert take_next_call(campaign, other) is None  # 8 people: 5 on paper, 3 given out above
    # The call screen does not offer people who are on the paper sheet.
    assert (
        "Vous n'avez pas d'appel en cours"
        in client.get(reverse("campaigns:call", args=[campaign.pk])).content.decode()
    )


def test_the_sheet_page_and_its_pdf_show_what_to_call_and_are_audited_per_person(client, campaign):
    _caller, sheet = _sheet(client, campaign, size=3)
    entries = [line.target.entry for line in sheet.lines.select_related("target__entry")]
    page = client.get(reverse("campaigns:call_sheet", args=[sheet.pk])).content.decode()
    for entry in entries:
        shown, dialable = french_phone(entry.phone)
        assert entry.last_name.upper() in page and f'href="tel:{dialable}"' in page and entry.address in page
    assert "Claire Martin (fille)" in page and "Document confidentiel" in page
    response = client.get(reverse("campaigns:call_sheet_pdf", args=[sheet.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert all(entry.last_name.upper() in text for entry in entries)
    assert "01 99 00 11 22" in text and "Pas de réponse" in text
    printed = AuditEntry.objects.filter(action=AuditAction.PRINT, detail__startswith=f"Feuille d'appels n° {sheet.pk}")
    # Prepared, viewed, printed: each time one row per person.
    assert printed.count() == 9
    assert set(printed.values_list("object_id", flat=True)) == {str(e.pk) for e in entries}


def test_results_are_entered_back_at_the_time_written_and_the_rest_returns_to_the_queue(client, campaign):
    caller, sheet = _sheet(client, campaign, size=3)
    lines = list(sheet.lines.order_by("position"))
    CallSheet.objects.filter(pk=sheet.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    called = timezone.localtime() - datetime.timedelta(minutes=30)
    response = client.post(
        reverse("campaigns:call_sheet_results", args=[sheet.pk]),
        {
            "called_on": called.date().isoformat(),
            f"outcome_{lines[0].pk}": Outcome.REACHED_FINE,
            f"time_{lines[0].pk}": called.strftime("%H:%M"),
            f"notes_{lines[0].pk}": "Va bien, volets fermés",
            f"outcome_{lines[1].pk}": Outcome.NO_ANSWER,
            f"time_{lines[1].pk}": called.strftime("%H:%M"),
            f"outcome_{lines[2].pk}": "",
            "close": "on",
        },
    )
    assert response.status_code == 302
    first = CallAttempt.objects.get(target=lines[0].target)
    assert first.outcome == Outcome.REACHED_FINE and first.notes == "Va bien, volets fermés"
    assert timezone.localtime(first.ended_at).strftime("%H:%M") == called.strftime("%H:%M")
    assert CallTarget.objects.get(pk=lines[0].target_id).status == TargetStatus.REACHED
    assert CallTarget.objects.get(pk=lines[1].target_id).failed_attempts == 1
    third = CallTarget.objects.get(pk=lines[2].target_id)
    assert third.locked_by is None and third.sheet is None and not third.attempts.exists()
    sheet.refresh_from_db()
    assert sheet.returned_at is not None
    assert not CallTarget.objects.filter(sheet=sheet).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"outcome": Outcome.REACHED_FINE, "time": ""},
        {"outcome": "", "time": "10:00"},
        {"outcome": "pas-un-resultat", "time": "10:00"},
        {"outcome": Outcome.REACHED_FINE, "time": "25:99"},
        {"outcome": Outcome.REACHED_FINE, "time": "10:00", "day": "2099-01-01"},
        {"outcome": Outcome.REACHED_FINE, "time": "10:00", "notes": "<script>"},
    ],
)
def test_bad_results_are_refused_in_french_and_nothing_is_saved(client, campaign, bad):
    _caller, sheet = _sheet(client, campaign, size=2)
    line = sheet.lines.first()
    CallSheet.objects.filter(pk=sheet.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
    response = client.post(
        reverse("campaigns:call_sheet_results", args=[sheet.pk]),
        {
            "called_on": bad.get("day", timezone.localdate().isoformat()),
            f"outcome_{line.pk}": bad["outcome"],
            f"time_{line.pk}": bad["time"],
            f"notes_{line.pk}": bad.get("notes", ""),
            "close": "on",
        },
    )
    assert response.status_code == 400 and "error-summary" in response.content.decode()
    assert not CallAttempt.objects.exists()
    sheet.refresh_from_db()
    assert sheet.is_open and CallTarget.objects.filter(sheet=sheet).count() == 2


def test_a_call_time_in_the_future_is_refused_by_the_service(campaign):
    caller = accredited_caller()
    sheet = call_sheet_create(campaign=campaign, caller=caller, size=1, hours=2)
    line = sheet.lines.get()
    later = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(CampaignError, match="entre la préparation de la feuille et maintenant"):
        call_sheet_enter_results(
            sheet=sheet, caller=caller, results=[SheetResult(line.pk, Outcome.REACHED_FINE, later)], close=False
        )


def test_an_expired_sheet_is_still_entered_unless_someone_else_took_the_person(campaign):
    caller = accredited_caller()
    start = timezone.now() - datetime.timedelta(minutes=20)
    sheet = call_sheet_create(campaign=campaign, caller=caller, size=2, hours=2, now=start)
    first, second = sheet.lines.order_by("position")
    # The lease ran out (the caller came back late); another caller took the first person.
    CallTarget.objects.filter(sheet=sheet).update(locked_until=timezone.now() - datetime.timedelta(minutes=1))
    other = accredited_caller()
    assert take_next_call(campaign, other).pk == first.target_id
    at = start + datetime.timedelta(minutes=10)
    call_sheet_enter_results(
        sheet=sheet, caller=caller, results=[SheetResult(second.pk, Outcome.REACHED_FINE, at)], close=False
    )
    assert CallAttempt.objects.get(target=second.target).caller == caller
    with pytest.raises(CampaignError, match="un·e autre appelant·e a repris cette personne"):
        call_sheet_enter_results(
            sheet=sheet, caller=caller, results=[SheetResult(first.pk, Outcome.REACHED_FINE, at)], close=False
        )


def test_a_sheet_is_its_callers_only(client, campaign):
    _caller, sheet = _sheet(client, campaign, size=2)
    login_staff(client, accredited_caller())
    for name in ("campaigns:call_sheet", "campaigns:call_sheet_pdf", "campaigns:call_sheet_results"):
        assert client.get(reverse(name, args=[sheet.pk])).status_code == 404, name
    assert client.post(reverse("campaigns:call_sheet_results", args=[sheet.pk]), {"close": "on"}).status_code == 404
    login_staff(client, officer())  # not even the register officer: the sheet is the caller's paper
    assert client.get(reverse("campaigns:call_sheet", args=[sheet.pk])).status_code == 404


@pytest.mark.parametrize(
    "data", [{"size": 1000, "hours": 6}, {"size": 5, "hours": 99}, {}, {"size": "x", "hours": "y"}]
)
def test_bad_sheet_requests_are_refused_in_french(client, campaign, data):
    login_staff(client, accredited_caller())
    response = client.post(reverse("campaigns:call_sheet_create", args=[campaign.pk]), data, follow=True)
    assert response.status_code == 200
    assert "Choisissez" in response.content.decode()
    assert not CallSheet.objects.exists() and not CallTarget.objects.filter(locked_by__isnull=False).exists()


def test_no_sheet_when_nobody_is_due(client, campaign):
    CallTarget.objects.update(next_call_at=timezone.now() + datetime.timedelta(hours=3))
    login_staff(client, accredited_caller())
    response = client.post(
        reverse("campaigns:call_sheet_create", args=[campaign.pk]), {"size": 5, "hours": 6}, follow=True
    )
    assert "aucune feuille n'a été préparée" in html.unescape(response.content.decode())
    assert not CallSheet.objects.exists()


def test_the_person_held_on_the_call_screen_goes_on_the_sheet_first(campaign):
    caller = accredited_caller()
    held = take_next_call(campaign, caller)
    sheet = call_sheet_create(campaign=campaign, caller=caller, size=3, hours=2)
    assert sheet.lines.get(position=1).target_id == held.pk
    assert sheet.lines.count() == 3
    held.refresh_from_db()
    assert held.sheet == sheet and held.locked_until == sheet.held_until
