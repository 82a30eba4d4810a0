"""SMS wave through the notifications machinery, and the reply webhook."""

import json

import pytest
from django.urls import reverse

from tests.confirmation import confirmation_token
from tests.factories import login_staff
from tests.factories.campaigns import NOW, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.register import RegisterEntryFactory
from villesolidaire.audit.models import AuditEntry
from villesolidaire.campaigns.enums import AttemptChannel, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.call_queue import release_call, take_next_call
from villesolidaire.campaigns.services.sms_wave import sms_wave_preview, sms_wave_start
from villesolidaire.campaigns.sms_wave_sending import SMS_WAVE_KIND, sms_wave_text
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.notifications.models import Message
from villesolidaire.notifications.sms import MemorySmsBackend, fits_one_sms, is_gsm7

TOKEN = "jeton-de-test-tres-long-0123456789"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.VS_SMS_INBOUND_TOKEN = TOKEN
    MemorySmsBackend.outbox = []


@pytest.fixture
def waved(django_capture_on_commit_callbacks):
    mobiles = [RegisterEntryFactory(mobile=True) for _ in range(3)]
    landline = RegisterEntryFactory()
    campaign = campaign_for(episode_with(), sms_wave=True)
    with pytest.raises(SendNotConfirmed):
        sms_wave_start(campaign=campaign, by=officer(), now=NOW)
    assert not Message.objects.exists()
    campaign.refresh_from_db()
    assert campaign.sms_wave_started_at is None
    shown = sms_wave_preview(campaign=campaign)
    assert shown.count == 3 and shown.text == sms_wave_text(campaign)
    with django_capture_on_commit_callbacks(execute=True):
        planned = sms_wave_start(campaign=campaign, by=officer(), now=NOW, confirmation=shown.token)
    assert planned == 3
    return campaign, mobiles, landline


def test_wave_text_is_one_gsm7_sms():
    campaign = campaign_for(episode_with(), sms_wave=True)
    text = sms_wave_text(campaign)
    assert "Répondez 1 si tout va bien" in text
    assert is_gsm7(text) and fits_one_sms(text)


def test_wave_goes_to_mobiles_through_the_message_log(waved):
    campaign, mobiles, landline = waved
    messages = Message.objects.filter(kind=SMS_WAVE_KIND)
    assert messages.count() == 3
    assert {m.recipient for m in messages} == {e.phone for e in mobiles}
    assert len(MemorySmsBackend.outbox) == 3
    assert CallTarget.objects.filter(campaign=campaign, sms_sent_at__isnull=False).count() == 3
    assert not CallTarget.objects.get(campaign=campaign, entry=landline).sms_sent_at
    with pytest.raises(CampaignError, match="déjà"):
        sms_wave_start(campaign=campaign, by=officer())


def test_wave_needs_to_be_planned():
    campaign = campaign_for(episode_with(), sms_wave=False)
    with pytest.raises(CampaignError, match="pas prévue"):
        sms_wave_start(campaign=campaign, by=officer())


def test_reply_1_marks_the_person_reached(client, waved):
    campaign, mobiles, _landline = waved
    response = client.post(
        reverse("campaigns:sms_inbound", args=[TOKEN]), {"from": "06" + mobiles[0].phone[4:], "text": " 1 "}
    )
    assert response.status_code == 200 and response.content == b""
    target = CallTarget.objects.get(campaign=campaign, entry=mobiles[0])
    assert target.status == TargetStatus.REACHED
    attempt = CallAttempt.objects.get(target=target)
    assert attempt.channel == AttemptChannel.SMS and attempt.outcome == Outcome.REACHED_FINE and attempt.caller is None
    assert AuditEntry.objects.filter(action="call", object_id=str(target.pk)).exists()


def test_brevo_json_reply_other_than_1_asks_for_a_call_back(client, waved):
    campaign, mobiles, _landline = waved
    payload = {
        "id": 1,
        "to": mobiles[1].phone.lstrip("+"),
        "msg_status": "replied",
        "reply": "J'ai trop chaud",
        "messageId": 12,
        "date": "2026-07-15 10:00:00",
    }
    response = client.post(
        reverse("campaigns:sms_inbound"), json.dumps(payload), content_type="application/json", HTTP_X_VS_TOKEN=TOKEN
    )
    assert response.status_code == 200
    target = CallTarget.objects.get(campaign=campaign, entry=mobiles[1])
    assert target.status == TargetStatus.PENDING and target.callback_requested
    assert CallAttempt.objects.get(target=target).outcome == Outcome.SMS_OTHER_REPLY


def test_delivery_reports_and_unknown_numbers_are_ignored_with_the_same_answer(client, waved):
    campaign, mobiles, _landline = waved
    url = reverse("campaigns:sms_inbound", args=[TOKEN])
    delivered = client.post(
        url, json.dumps({"to": mobiles[2].phone, "msg_status": "delivered"}), content_type="application/json"
    )
    unknown = client.post(url, {"from": "+33639989999", "text": "1"})
    garbage = client.post(url, "{pas du json", content_type="application/json")
    assert delivered.content == unknown.content == garbage.content == b""
    assert {delivered.status_code, unknown.status_code, garbage.status_code} == {200}
    assert not CallAttempt.objects.exists()


def test_no_reply_keeps_the_person_in_the_queue(waved):
    campaign, mobiles, _landline = waved
    caller = officer()
    taken = set()
    while (target := take_next_call(campaign, caller, now=NOW)) is not None:
        taken.add(target.entry_id)
        release_call(target=target, caller=caller)
        CallTarget.objects.filter(pk=target.pk).update(next_call_at=NOW.replace(year=2099))
    assert {e.pk for e in mobiles} <= taken


@pytest.mark.parametrize("how", ["url", "header", "none", "empty_setting"])
def test_wrong_or_missing_token_is_404_and_records_nothing(client, waved, settings, how):
    _campaign, mobiles, _landline = waved
    data = {"from": mobiles[0].phone, "text": "1"}
    before = AuditEntry.objects.count()
    if how == "url":
        response = client.post(reverse("campaigns:sms_inbound", args=["mauvais-jeton"]), data)
    elif how == "header":
        response = client.post(reverse("campaigns:sms_inbound"), data, HTTP_X_VS_TOKEN="mauvais")
    elif how == "none":
        response = client.post(reverse("campaigns:sms_inbound"), data)
    else:
        settings.VS_SMS_INBOUND_TOKEN = ""
        response = client.post(reverse("campaigns:sms_inbound", args=[TOKEN]), data)
    assert response.status_code == 404
    assert not CallAttempt.objects.exists()
    assert AuditEntry.objects.count() == before


def test_webhook_refuses_get(client):
    assert client.get(reverse("campaigns:sms_inbound", args=[TOKEN])).status_code == 405


def test_the_wave_page_shows_the_count_and_the_text_before_anything_leaves(client, django_capture_on_commit_callbacks):
    [RegisterEntryFactory(mobile=True) for _ in range(2)]
    campaign = campaign_for(episode_with(), sms_wave=True)
    login_staff(client, officer())
    url = reverse("campaigns:sms_wave", args=[campaign.pk])
    page = client.post(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Vous allez envoyer ce message à 2 personnes" in html
    assert "Répondez 1 si tout va bien" in html
    campaign.refresh_from_db()
    assert campaign.sms_wave_started_at is None and not Message.objects.exists()
    forged = client.post(url, {"confirmation": "x"}, follow=True)
    assert "confirmation non reconnue" in forged.content.decode() and not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirmation": confirmation_token(page)})
    assert Message.objects.filter(kind=SMS_WAVE_KIND).count() == 2
