"""Proposals past their deadline: expired, and the coordinators told.

The worker side of `tasks.check_proposal_expiry` and of the `check_proposals` sweep. It sits
below the services, which enqueue the task: tasks import this module, never the services.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.core.tenancy import site_url
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching.models import PROPOSAL_WORKFLOW, OfferStatus, Proposal, ProposalStatus
from villesolidaire.notifications.services import email_send

logger = logging.getLogger(__name__)


def proposal_expire(*, proposal_id: int, now: datetime | None = None) -> bool:
    """Expire one open proposal past its deadline and alert the coordinators. False when there
    is nothing to do (answered, extended, already expired)."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update()
            .filter(pk=proposal_id, status=ProposalStatus.OPEN, expires_at__lte=now)
            .first()
        )
        if proposal is None:
            return False
        PROPOSAL_WORKFLOW.apply(
            proposal, ProposalStatus.EXPIRED, by=None, at=now, lock=False, closed_at=now, expiry_alerted_at=now
        )
        help_request = HelpRequest.objects.select_related("category", "resident__quartier").get(
            pk=proposal.help_request_id
        )
        link = site_url() + reverse("matching:request_matching", args=[help_request.pk])
        answers = list(proposal.offers.values_list("status", flat=True))
        for email in User.objects.coordinator_emails():
            email_send(
                to=email,
                subject=f"Sans réponse : demande n° {help_request.pk} ({help_request.category})",
                template="matching/messages/expired_email.txt",
                context={
                    "help_request": help_request,
                    "proposal": proposal,
                    "link": link,
                    "asked": len(answers),
                    "declined": answers.count(OfferStatus.DECLINED),
                },
                kind="proposal_expired",
            )
    logger.info("Proposal %s expired without answer", proposal_id)
    return True


def proposals_expire_due(*, now: datetime | None = None) -> int:
    """Sweep: expire every open proposal past its deadline (manage.py check_proposals)."""
    now = now or timezone.now()
    due = Proposal.objects.filter(status=ProposalStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    return sum(proposal_expire(proposal_id=pk, now=now) for pk in list(due))
