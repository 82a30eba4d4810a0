"""The SMS wave as the background task sends it (the task imports this module; it never enqueues)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import TargetStatus
from villesolidaire.campaigns.models import CallTarget, Campaign
from villesolidaire.notifications.models import Channel
from villesolidaire.notifications.services import message_queue
from villesolidaire.notifications.sms import fits_one_sms, to_gsm7
from villesolidaire.territory.models import Town

SMS_WAVE_KIND = "campaign_sms_wave"
SMS_WAVE_CHUNK = 500


def sms_wave_text(campaign: Campaign) -> str:
    """The wave's SMS: one 160-character GSM-7 message, no name, nothing about health."""
    town = Town.current()
    sender = f"Mairie de {town.name}" if town else "Votre mairie"
    kind = campaign.episode.get_kind_display().lower()
    text = f"{sender} : alerte {kind}. Répondez 1 si tout va bien. Sans réponse, nous vous appellerons. Urgence : 15"
    if not fits_one_sms(text):
        text = f"Votre mairie : alerte {kind}. Répondez 1 si tout va bien. Sinon nous vous appellerons. Urgence : 15"
    return to_gsm7(text)


def sms_wave_recipients(campaign: Campaign):
    """People with a mobile still waiting for their first contact, not yet texted."""
    return campaign.targets.filter(
        entry__has_mobile=True, sms_sent_at__isnull=True, status=TargetStatus.PENDING, attempts_count=0
    )


def sms_wave_send(*, campaign: Campaign, now: datetime | None = None) -> int:
    """Queue one SMS per recipient, chunk by chunk (each chunk commits on its own)."""
    now = now or timezone.now()
    body = sms_wave_text(campaign)
    sent = 0
    while True:
        with transaction.atomic():
            chunk = list(
                sms_wave_recipients(campaign)
                .select_for_update()
                .select_related("entry")
                .only("pk", "entry__id", "entry__phone")
                .order_by("pk")[:SMS_WAVE_CHUNK]
            )
            if not chunk:
                break
            for target in chunk:
                message_queue(channel=Channel.SMS, recipient=target.entry.phone, body=body, kind=SMS_WAVE_KIND)
            CallTarget.objects.filter(pk__in=[t.pk for t in chunk]).update(sms_sent_at=now)
            record(
                actor=None,
                action=AuditAction.EXPORT,
                target=campaign,
                fields=["phone"],
                detail=f"Vague de SMS : {len(chunk)} numéros transmis au prestataire",
            )
            sent += len(chunk)
    return sent
