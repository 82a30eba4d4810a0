"""Proposals: offer a help request to volunteers, accept or decline an offer, expire.

The first volunteer to accept gets the support. Accepts are serialised by a row lock on the
Proposal, and the Support.proposal one-to-one settles anything that slips through: never two
supports for one proposal.
"""

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.fields import link_expired, link_token
from villesolidaire.core.tenancy import site_url
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.enums import TimeWindow
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching import tasks
from villesolidaire.matching.models import (
    OFFER_WORKFLOW,
    PROPOSAL_WORKFLOW,
    OfferStatus,
    Proposal,
    ProposalOffer,
    ProposalStatus,
)
from villesolidaire.matching.offer_text import urgency_phrase, when_phrase
from villesolidaire.matching.selectors import Candidate
from villesolidaire.missions.models import Support
from villesolidaire.missions.services import mission_plan, support_create
from villesolidaire.notifications.services import PersonalLink, contact_send, resident_inform
from villesolidaire.notifications.sms import to_gsm7

logger = logging.getLogger(__name__)

PROPOSAL_SEND = "proposal_offers"
OFFER_CHANNEL_NOTE = "Par SMS aux volontaires qui ont un mobile, sinon par e-mail (avec la description de la demande)."
PROPOSABLE_STATUSES = (RequestStatus.NEW, RequestStatus.QUALIFIED, RequestStatus.SEARCHING)
FIRST_MISSION_HOUR = {TimeWindow.MORNING: 10, TimeWindow.AFTERNOON: 14, TimeWindow.EVENING: 18, TimeWindow.ANY: 10}


class ProposalError(Exception):
    """The proposal cannot be made; the message is French, for the coordinator."""


def offer_link(offer: ProposalOffer, answer: str) -> PersonalLink:
    url = reverse("matching:offer_response", args=[link_token(offer)])
    return PersonalLink(f"{site_url()}{url}?reponse={answer}")


def _proposal_action(help_request: HelpRequest, message: str) -> str:
    """What a confirmation binds besides the SMS: the request and the coordinator's message (e-mails)."""
    return f"{PROPOSAL_SEND}:{help_request.pk}:{message.strip()[:300]}"


def proposal_preview(*, help_request: HelpRequest, volunteer_ids: list[int], message: str = "") -> SendPreview:
    """What the coordinator confirms before offering the request to several volunteers: how
    many, and the SMS as they will read it (first name and link stand in brackets)."""
    request_full = HelpRequest.objects.select_related("category", "resident__quartier").get(pk=help_request.pk)
    context = _offer_context(request_full, message.strip()[:300])
    placeholder = PersonalLink("[lien personnel]")
    context.update(volunteer={"first_name": "[Prénom]"}, accept_link=placeholder, decline_link=placeholder)
    text = to_gsm7(render_to_string("matching/messages/offer_sms.txt", context).strip())
    return preview(
        action=_proposal_action(help_request, message),
        recipients=volunteer_ids,
        text=text,
        channel_note=OFFER_CHANNEL_NOTE,
    )


@transaction.atomic
def proposal_create(
    *,
    help_request: HelpRequest,
    candidates: list[Candidate],
    by,
    message: str = "",
    confirmation: str = "",
    now: datetime | None = None,
) -> tuple[Proposal, list[ProposalOffer]]:
    """Offer the request to these ranked candidates. While a proposal is open, proposing again
    adds volunteers to it, so a double submit sends nothing twice. Offering to several
    volunteers needs the token of `proposal_preview` (SendNotConfirmed otherwise)."""
    now = now or timezone.now()
    if len(candidates) > 1:
        shown = proposal_preview(
            help_request=help_request, volunteer_ids=[c.volunteer_id for c in candidates], message=message
        )
        check_confirmation(
            action=_proposal_action(help_request, message),
            recipients=[c.volunteer_id for c in candidates],
            text=shown.text,
            token=confirmation,
        )
    locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if locked.status not in PROPOSABLE_STATUSES:
        raise ProposalError(f"Cette demande est « {locked.get_status_display()} » : on ne peut plus la proposer.")
    if not candidates:
        raise ProposalError("Choisissez au moins un·e volontaire.")
    if locked.status == RequestStatus.NEW:
        locked.transition(RequestStatus.QUALIFIED, by=by, note="Qualifiée en la proposant à des volontaires")
    if locked.status == RequestStatus.QUALIFIED:
        locked.transition(RequestStatus.SEARCHING, by=by, note="Proposée à des volontaires")
    help_request.status = locked.status

    expires_at = now + timedelta(hours=settings.PROPOSAL_RESPONSE_DELAY_HOURS)
    proposal = Proposal.objects.select_for_update().filter(help_request=locked, status=ProposalStatus.OPEN).first()
    if proposal is None:
        proposal = Proposal.objects.create(
            help_request=locked, message=message.strip()[:300], created_by=by, created_at=now, expires_at=expires_at
        )
        PROPOSAL_WORKFLOW.log_creation(proposal, by=by, at=now)
    else:
        proposal.expires_at = expires_at
        if message.strip():
            proposal.message = message.strip()[:300]
        proposal.save(update_fields=["expires_at", "message"])
    already = set(proposal.offers.values_list("volunteer_id", flat=True))
    fresh = [candidate for candidate in candidates if candidate.volunteer_id not in already]
    if not fresh:
        raise ProposalError("Ces volontaires ont déjà reçu cette proposition.")
    offers = ProposalOffer.objects.bulk_create(
        [
            ProposalOffer(
                proposal=proposal,
                volunteer_id=candidate.volunteer_id,
                score=round(candidate.score, 2),
                explanation=[
                    [label, None if points is None else round(points, 2)] for label, points in candidate.explanation
                ],
                sent_at=now,
            )
            for candidate in fresh
        ]
    )
    offers = list(
        ProposalOffer.objects.filter(
            proposal=proposal, volunteer_id__in=[c.volunteer_id for c in fresh]
        ).select_related("volunteer")
    )
    OFFER_WORKFLOW.log_creations(offers, by=by, at=now)
    request_full = HelpRequest.objects.select_related("category", "resident__quartier").get(pk=locked.pk)
    for offer in offers:
        _send_offer(offer, request_full, message.strip()[:300])
    proposal_schedule_expiry_check(proposal)
    return proposal, offers


def _offer_context(help_request: HelpRequest, message: str) -> dict:
    """What every offer message says about the request: what, where, when and how urgent."""
    return {
        "help_request": help_request,
        "quartier": help_request.resident.quartier,
        "message": message,
        "urgency": urgency_phrase(help_request.urgency),
        "when": when_phrase(help_request.wished_start, help_request.time_window, timezone.localdate()),
        "delay_hours": settings.PROPOSAL_RESPONSE_DELAY_HOURS,
    }


def _send_offer(offer: ProposalOffer, help_request: HelpRequest, message: str) -> None:
    volunteer = offer.volunteer
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject=f"Une personne a besoin d'aide : {help_request.category}",
        email_template="matching/messages/offer_email.txt",
        sms_template="matching/messages/offer_sms.txt",
        context={
            **_offer_context(help_request, message),
            "volunteer": volunteer,
            "accept_link": offer_link(offer, "accepter"),
            "decline_link": offer_link(offer, "refuser"),
        },
        kind="proposal_offer",
    )


def proposal_schedule_expiry_check(proposal: Proposal) -> None:
    """Run the expiry check at `expires_at` when the task backend can defer (else the
    `check_proposals` sweep, run by the worker loop or cron, does it)."""
    if not tasks.check_proposal_expiry.get_backend().supports_defer:
        return
    proposal_id, run_after = proposal.pk, proposal.expires_at
    transaction.on_commit(lambda: tasks.check_proposal_expiry.using(run_after=run_after).enqueue(proposal_id))


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    ALREADY_ACCEPTED = "already_accepted"
    DECLINED = "declined"
    ALREADY_DECLINED = "already_declined"
    TAKEN = "taken"
    CLOSED = "closed"


@dataclass
class OfferResult:
    outcome: Outcome
    offer: ProposalOffer
    support: Support | None = None


def first_mission_at(help_request: HelpRequest, now: datetime) -> datetime:
    """A first date to put in the diary: the wished start (or tomorrow) in the wished part of the day.
    The volunteer confirms it with the person; the coordinator can move it."""
    today = timezone.localdate(now)
    day = (
        help_request.wished_start
        if help_request.wished_start and help_request.wished_start > today
        else today + timedelta(days=1)
    )
    hour = FIRST_MISSION_HOUR.get(help_request.time_window, 10)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def offer_accept(*, offer: ProposalOffer, now: datetime | None = None) -> OfferResult:
    """Accept an offer. Exactly one accept per proposal wins, however many arrive together."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            result = _offer_accept_locked(offer, now)
    except IntegrityError:
        # Another accept created the support between our checks and our insert.
        offer.refresh_from_db()
        return OfferResult(Outcome.TAKEN, offer)
    if result.outcome == Outcome.ACCEPTED:
        _tell_others_taken(result.offer.proposal_id, result.offer.pk)
    return result


def proposal_answerable(proposal: Proposal, now: datetime | None = None) -> bool:
    """Open and within its deadline: past `expires_at` nobody may accept, even before the
    expiry sweep marks the proposal expired."""
    return proposal.status == ProposalStatus.OPEN and (now or timezone.now()) < proposal.expires_at


def offer_link_expired(offer: ProposalOffer, now: datetime | None = None) -> bool:
    """An offer's link opens its page until the proposal is closed, then for `VS_LINK_GRACE_HOURS`
    (the accepting volunteer reads the person's contact details there, then in their space)."""
    proposal = offer.proposal
    if offer.status == OfferStatus.ACCEPTED:
        return link_expired(offer.responded_at, now=now)
    if proposal.status == ProposalStatus.OPEN:
        return link_expired(proposal.expires_at, now=now)
    return link_expired(proposal.closed_at or proposal.expires_at, now=now)


def _offer_accept_locked(offer: ProposalOffer, now: datetime) -> OfferResult:
    proposal = Proposal.objects.select_for_update().get(pk=offer.proposal_id)
    offer = ProposalOffer.objects.select_related("volunteer", "volunteer__user").get(pk=offer.pk)
    if offer.status == OfferStatus.ACCEPTED:
        return OfferResult(Outcome.ALREADY_ACCEPTED, offer, Support.objects.filter(proposal=proposal).first())
    if proposal.status == ProposalStatus.ACCEPTED or offer.status == OfferStatus.TAKEN:
        return OfferResult(Outcome.TAKEN, offer)
    if not proposal_answerable(proposal, now) or offer.status == OfferStatus.WITHDRAWN:
        return OfferResult(Outcome.CLOSED, offer)
    help_request = HelpRequest.objects.select_related("resident", "category").get(pk=proposal.help_request_id)
    if help_request.status != RequestStatus.SEARCHING:
        return OfferResult(Outcome.CLOSED, offer)
    volunteer = offer.volunteer
    # In its own savepoint: a duplicate support must not poison the outer transaction.
    support = support_create(
        help_request=help_request, volunteer=volunteer, proposal=proposal, started_at=now, by=volunteer.user
    )
    # Offers move under the proposal's lock, taken above.
    OFFER_WORKFLOW.apply(offer, OfferStatus.ACCEPTED, by=volunteer.user, at=now, lock=False, responded_at=now)
    OFFER_WORKFLOW.apply_many(
        ProposalOffer.objects.filter(proposal=proposal, status=OfferStatus.PENDING).exclude(pk=offer.pk),
        OfferStatus.TAKEN,
        by=volunteer.user,
        at=now,
        responded_at=now,
    )
    PROPOSAL_WORKFLOW.apply(proposal, ProposalStatus.ACCEPTED, by=volunteer.user, at=now, lock=False, closed_at=now)
    help_request.transition(RequestStatus.SUPPORTED, by=volunteer.user, note=f"Acceptée par {volunteer}")
    mission_plan(support=support, scheduled_at=first_mission_at(help_request, now), by=volunteer.user, inform=False)
    resident_inform(
        resident=help_request.resident,
        text=(
            f"Bonne nouvelle : un·e volontaire, {volunteer.first_name}, va vous contacter "
            f"pour votre demande ({help_request.category})."
        ),
        kind="support_started",
        help_request=help_request,
        support=support,
    )
    return OfferResult(Outcome.ACCEPTED, offer, support)


def _tell_others_taken(proposal_id: int, accepted_offer_id: int) -> None:
    """Tell the volunteers still waiting that someone else took it (their offers are 'taken')."""
    offers = ProposalOffer.objects.filter(proposal_id=proposal_id, status=OfferStatus.TAKEN).exclude(
        pk=accepted_offer_id
    )
    for offer in offers.select_related("volunteer", "proposal__help_request__category"):
        volunteer = offer.volunteer
        contact_send(
            email=volunteer.email,
            phone=volunteer.phone,
            subject="Merci ! Un·e autre volontaire a déjà accepté",
            email_template="matching/messages/taken_email.txt",
            sms_template="matching/messages/taken_sms.txt",
            context={"volunteer": volunteer, "help_request": offer.proposal.help_request},
            kind="proposal_taken",
        )


@transaction.atomic
def offer_decline(*, offer: ProposalOffer, now: datetime | None = None) -> OfferResult:
    now = now or timezone.now()
    proposal = Proposal.objects.select_for_update().get(pk=offer.proposal_id)
    offer = ProposalOffer.objects.select_related("volunteer__user").get(pk=offer.pk)
    if offer.status == OfferStatus.DECLINED:
        return OfferResult(Outcome.ALREADY_DECLINED, offer)
    if offer.status == OfferStatus.ACCEPTED:
        return OfferResult(Outcome.ALREADY_ACCEPTED, offer, Support.objects.filter(proposal=proposal).first())
    if offer.status == OfferStatus.TAKEN or proposal.status == ProposalStatus.ACCEPTED:
        return OfferResult(Outcome.TAKEN, offer)
    if offer.status != OfferStatus.PENDING:
        return OfferResult(Outcome.CLOSED, offer)
    OFFER_WORKFLOW.apply(
        offer, OfferStatus.DECLINED, by=offer.volunteer.user, at=now, lock=False, responded_at=now
    )  # under the proposal's lock
    return OfferResult(Outcome.DECLINED, offer)


@transaction.atomic
def proposals_cancel(*, help_request: HelpRequest, by=None, now: datetime | None = None) -> int:
    """Withdraw the open proposal of a request that no longer needs a volunteer (closed by the
    hotline, resident helped elsewhere): its links then answer "plus ouverte"."""
    now = now or timezone.now()
    open_ids = list(
        Proposal.objects.select_for_update()
        .filter(help_request=help_request, status=ProposalStatus.OPEN)
        .values_list("pk", flat=True)
    )
    OFFER_WORKFLOW.apply_many(
        ProposalOffer.objects.filter(proposal_id__in=open_ids, status=OfferStatus.PENDING),
        OfferStatus.WITHDRAWN,
        by=by,
        at=now,
        responded_at=now,
    )
    PROPOSAL_WORKFLOW.apply_many(
        Proposal.objects.filter(pk__in=open_ids), ProposalStatus.CANCELLED, by=by, at=now, closed_at=now
    )
    if open_ids:
        logger.info("Proposals %s cancelled by user %s", open_ids, getattr(by, "pk", None))
    return len(open_ids)
