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
from villesolidaire.campaigns.sms_wave_sending import sms_wave_recipients
from villesolidaire.campaigns.tasks import send_sms_wave


@transaction.atomic
def sms_wave_start(*, campaign: Campaign, by: User, now: datetime | None = None, request=None) -> int:
    """Start the wave: the messages are queued by a background task after the commit."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.sms_wave:
        raise CampaignError("La vague de SMS n'est pas prévue pour cette campagne.")
    if campaign.status != CampaignStatus.ACTIVE:
        raise CampaignError("Cette campagne n'est pas en cours.")
    if campaign.sms_wave_started_at is not None:
        raise CampaignError("La vague de SMS a déjà été lancée.")
    count = sms_wave_recipients(campaign).count()
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
