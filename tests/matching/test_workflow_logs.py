"""Proposals, offers and supports move through their workflows and leave a log (who, when)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import HelpCategoryFactory, HelpRequestFactory, ResidentFactory, VolunteerFactory, staff_user
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.enums import ClosureReason
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.services import help_request_transition
from villesolidaire.matching.expiry import proposal_expire
from villesolidaire.matching.models import (
    OFFER_WORKFLOW,
    PROPOSAL_WORKFLOW,
    OfferStatus,
    OfferTransition,
    ProposalStatus,
    ProposalTransition,
)
from villesolidaire.matching.selectors import Candidate
from villesolidaire.matching.services import offer_accept, offer_decline, proposal_create, proposal_preview
from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import SupportTransition
from villesolidaire.missions.services import support_end


@pytest.fixture
def volunteers():
    return [VolunteerFactory(active=True) for _ in range(3)]


@pytest.fixture
def coordinator():
    return staff_user()


def propose(volunteers, by):
    help_request = HelpRequestFactory(category=HelpCategoryFactory(bit=40), resident=ResidentFactory(with_mobile=True))
    candidates = [Candidate(volunteer_id=v.pk, score=1.0, distance_km=1.0, explanation=[]) for v in volunteers]
    token = proposal_preview(help_request=help_request, volunteer_ids=[v.pk for v in volunteers]).token
    return proposal_create(help_request=help_request, candidates=candidates, by=by, confirmation=token)


def _steps(log_model, **subject):
    return list(log_model.objects.filter(**subject).values_list("from_status", "to_status", "by"))


def test_a_proposal_and_its_offers_log_their_creation(volunteers, coordinator):
    proposal, offers = propose(volunteers, coordinator)
    assert _steps(ProposalTransition, proposal=proposal) == [("", ProposalStatus.OPEN, coordinator.pk)]
    assert OfferTransition.objects.filter(offer__in=offers, from_status="", to_status=OfferStatus.PENDING).count() == 3


def test_an_accept_logs_the_offer_the_others_the_proposal_and_the_new_support(volunteers, coordinator):
    proposal, offers = propose(volunteers, coordinator)
    winner = volunteers[0]
    result = offer_accept(offer=offers[0])
    by = winner.user.pk
    assert _steps(OfferTransition, offer=offers[0])[-1] == (OfferStatus.PENDING, OfferStatus.ACCEPTED, by)
    for other in offers[1:]:
        assert _steps(OfferTransition, offer=other)[-1] == (OfferStatus.PENDING, OfferStatus.TAKEN, by)
    assert _steps(ProposalTransition, proposal=proposal)[-1] == (ProposalStatus.OPEN, ProposalStatus.ACCEPTED, by)
    assert _steps(SupportTransition, support=result.support) == [("", SupportStatus.ACTIVE, by)]


def test_a_decline_is_logged_by_the_volunteer(volunteers, coordinator):
    _proposal, offers = propose(volunteers, coordinator)
    offer_decline(offer=offers[1])
    assert _steps(OfferTransition, offer=offers[1])[-1] == (
        OfferStatus.PENDING,
        OfferStatus.DECLINED,
        volunteers[1].user.pk,
    )


def test_closing_the_request_withdraws_the_offers_and_cancels_the_proposal_in_the_log(volunteers, coordinator):
    proposal, offers = propose(volunteers[:1], coordinator)
    help_request_transition(
        help_request=proposal.help_request,
        target=RequestStatus.CLOSED,
        by=coordinator,
        closure_reason=ClosureReason.DONE,
    )
    assert _steps(ProposalTransition, proposal=proposal)[-1] == (
        ProposalStatus.OPEN,
        ProposalStatus.CANCELLED,
        coordinator.pk,
    )
    assert _steps(OfferTransition, offer=offers[0])[-1] == (OfferStatus.PENDING, OfferStatus.WITHDRAWN, coordinator.pk)


def test_an_expired_proposal_is_logged_without_an_author(volunteers, coordinator):
    proposal, _offers = propose(volunteers, coordinator)
    assert proposal_expire(proposal_id=proposal.pk, now=timezone.now() + timedelta(days=3))
    assert _steps(ProposalTransition, proposal=proposal)[-1] == (ProposalStatus.OPEN, ProposalStatus.EXPIRED, None)


def test_ending_a_support_is_logged_with_its_reason(volunteers, coordinator):
    _proposal, offers = propose(volunteers, coordinator)
    support = offer_accept(offer=offers[0]).support
    support_end(support=support, reason="La personne a déménagé", by=coordinator)
    log = SupportTransition.objects.filter(support=support).last()
    assert (log.from_status, log.to_status, log.by, log.note) == (
        SupportStatus.ACTIVE,
        SupportStatus.ENDED,
        coordinator,
        "La personne a déménagé",
    )


def test_the_tables_refuse_moves_out_of_a_final_state():
    with pytest.raises(TransitionNotAllowed):
        PROPOSAL_WORKFLOW.check(ProposalStatus.EXPIRED, ProposalStatus.ACCEPTED)
    with pytest.raises(TransitionNotAllowed):
        OFFER_WORKFLOW.check(OfferStatus.TAKEN, OfferStatus.ACCEPTED)
    assert OFFER_WORKFLOW.can(OfferStatus.DECLINED, OfferStatus.ACCEPTED)  # a volunteer may change their mind
