"""The SMS wave: started by a register officer; replies arrive through the provider's webhook."""

import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.briefings import briefing_sms_reply
from villesolidaire.campaigns.services.sms_replies import sms_inbound_record
from villesolidaire.campaigns.services.sms_wave import sms_wave_preview, sms_wave_start
from villesolidaire.campaigns.views.helpers import campaign_or_404
from villesolidaire.core import confirmation, limits
from villesolidaire.core.service_errors import service_errors
from villesolidaire.core.text import count_of

logger = logging.getLogger(__name__)


@register_officer_required
@require_POST
def sms_wave(request: HttpRequest, pk: int) -> HttpResponse:
    """First POST: the confirmation page (how many people, which text); the second, with its
    token, starts the wave."""
    campaign = campaign_or_404(pk)
    token = request.POST.get(confirmation.FIELD, "")
    with service_errors(request, CampaignError, confirmation.SendNotConfirmed):
        if not token:
            context = {
                "campaign": campaign,
                "send": sms_wave_preview(campaign=campaign),
                "hidden": [],
                "action_url": request.path,
                "cancel_url": reverse("campaigns:campaign_detail", args=[campaign.pk]),
            }
            return render(request, "campaigns/sms_wave_confirm.html", context)
        count = sms_wave_start(campaign=campaign, by=request.user, confirmation=token, request=request)
        messages.success(request, f"Vague de SMS lancée : {count_of(count, 'message')} en file d'envoi.")
    return redirect("campaigns:campaign_detail", campaign.pk)


# SMS replies (provider webhook) ---------------------------------------------------------------


SENDER_KEYS = ("from", "sender", "msisdn", "phone_number", "phoneNumber", "phone", "to")
TEXT_KEYS = ("reply", "text", "message", "body", "content", "Body")
IGNORED_EVENTS_KEYS = ("msg_status", "event", "status")


def _token_ok(request: HttpRequest, token: str | None) -> bool:
    expected = getattr(settings, "VS_SMS_INBOUND_TOKEN", "")
    if not expected:
        return False
    given = token or request.headers.get("X-VS-Token", "")
    if not given:
        auth = request.headers.get("Authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _inbound_messages(request: HttpRequest) -> list[tuple[str, str]]:
    """(sender, text) pairs from Brevo's JSON (one event or a list) or a simple form post."""
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return []
        items = payload if isinstance(payload, list) else [payload]
    else:
        items = [request.POST.dict()]
    result = []
    for item in items[:100]:
        if not isinstance(item, dict):
            continue
        event = str(item.get("msg_status") or item.get("event") or "").lower()
        if event and event not in ("replied", "reply", "inbound", "received", "mo"):
            continue  # delivery reports and other events
        sender = next((str(item[k]) for k in SENDER_KEYS if item.get(k)), "")
        text = next((str(item[k]) for k in TEXT_KEYS if item.get(k) is not None), "")
        if sender:
            result.append((sender[:40], text[:500]))
    return result


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """Provider webhook. Answers the same empty 200 whatever was received, once authenticated.

    Limited per sending address before the token is even checked (guessing it costs attempts)."""
    wait = limits.hit(request, "sms_webhook")
    if wait:
        return limits.too_many(
            HttpResponse("Trop de requêtes : réessayez plus tard.", content_type="text/plain"), wait
        )
    if not _token_ok(request, token):
        raise Http404
    for sender, text in _inbound_messages(request):
        try:
            # A reply to the register's SMS wave first; otherwise a volunteer answering a briefing.
            sms_inbound_record(sender=sender, text=text) or briefing_sms_reply(sender=sender, text=text)
        except Exception:  # a bad message must not stop the others nor leak anything
            logger.exception("SMS reply could not be recorded")
    return HttpResponse("", content_type="text/plain")
