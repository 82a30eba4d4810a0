"""Escalate people whose failed attempts outlasted their campaign's window (run every 15 minutes)."""

from django.core.management.base import BaseCommand

from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.services.escalation import escalate_overdue


class Command(BaseCommand):
    help = "Escalade les personnes restées sans réponse au-delà du délai de leur campagne."

    def handle(self, *args, **options):
        total = 0
        for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related("episode"):
            total += escalate_overdue(campaign=campaign)
        self.stdout.write(f"{total} personne(s) passée(s) en escalade.")
