"""Background work of the campaigns: the SMS wave is queued outside the request.

Tasks import the worker-side service modules only; the services that enqueue import this module.
"""

from django_tasks import task

from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.sms_wave_sending import sms_wave_send


@task()
def send_sms_wave(campaign_id: int) -> int:
    campaign = Campaign.objects.select_related("episode").filter(pk=campaign_id).first()
    if campaign is None:
        return 0
    return sms_wave_send(campaign=campaign)
