"""Background work of the campaigns: the SMS wave is queued outside the request."""

from django_tasks import task

from villesolidaire.campaigns.models import Campaign


@task()
def send_sms_wave(campaign_id: int) -> int:
    from villesolidaire.campaigns.services import sms_wave_send

    campaign = Campaign.objects.select_related("episode").filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return sms_wave_send(campaign=campaign)
