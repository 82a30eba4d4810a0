"""Starting the SMS wave: the officer's action; the messages go out in a background task."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.sms_wave_sending import sms_wave_recipients, sms_wave_text
from villesolidaire.campaigns.tasks import send_sms_wave
from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview

SMS_WAVE_SEND = "campaign_sms_wave"


def _check_may_start(campaign: Campaign) -> None:
    if not campaign.sms_wave:
        raise CampaignError("La vague de SMS n'est pas prévue pour cette campagne.")
    if campaign.status != CampaignStatus.ACTIVE:
        raise CampaignError("Cette campagne n'est pas en cours.")
    if campaign.sms_wave_started_at is not None:
        raise CampaignError("La vague de SMS a déjà été lancée.")


def _recipient_ids(campaign: Campaign) -> list[int]:
    return list(sms_wave_recipients(campaign).values_list("pk", flat=True))


def sms_wave_preview(*, campaign: Campaign) -> SendPreview:
    """What the officer confirms before the wave: how many people, and the SMS itself."""
    _check_may_start(campaign)
    return preview(
        action=f"{SMS_WAVE_SEND}:{campaign.pk}",
        recipients=_recipient_ids(campaign),
        text=sms_wave_text(campaign),
        channel_note="Un SMS à chaque personne de la campagne qui a un mobile et n'a pas encore été contactée.",
    )


@transaction.atomic
def sms_wave_start(
    *, campaign: Campaign, by: User, confirmation: str = "", now: datetime | None = None, request=None
) -> int:
    """Start the wave: the messages are queued by a background task after the commit. Needs
    the token of `sms_wave_preview` for the same recipients (SendNotConfirmed otherwise)."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_may_start(campaign)
    recipients = _recipient_ids(campaign)
    check_confirmation(
        action=f"{SMS_WAVE_SEND}:{campaign.pk}",
        recipients=recipients,
        text=sms_wave_text(campaign),
        token=confirmation,
    )
    count = len(recipients)
    campaign.sms_wave_started_at = now
    campaign.save(update_fields=["sms_wave_started_at"])
    record(
        actor=by,
        action=AuditAction.CREATE,
        target=campaign,
        fields=["sms_wave"],
        detail=f"{count} SMS prévus",
        request=request,
    )
    campaign_id = campaign.pk
    transaction.on_commit(lambda: send_sms_wave.enqueue(campaign_id))
    return count
