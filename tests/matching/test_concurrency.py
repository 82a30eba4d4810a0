"""20 volunteers accept the same proposal at the same instant: exactly one support."""

import pytest

from tests.factories import HelpCategoryFactory, HelpRequestFactory, ResidentFactory, VolunteerFactory
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.matching.models import OfferStatus, Proposal, ProposalOffer, ProposalStatus
from villesolidaire.matching.selectors import Candidate
from villesolidaire.matching.services import Outcome, offer_accept, proposal_create, proposal_preview
from villesolidaire.missions.models import Support

THREADS = 20


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_accepts_give_exactly_one_support(run_concurrently):
    category = HelpCategoryFactory(bit=50)
    help_request = HelpRequestFactory(category=category, resident=ResidentFactory(with_mobile=True))
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]
    _proposal, offers = proposal_create(
        help_request=help_request,
        by=None,
        confirmation=proposal_preview(help_request=help_request, volunteer_ids=[v.pk for v in volunteers]).token,
        candidates=[
            Candidate(volunteer_id=v.pk, score=10.0, distance_km=1.0, explanation=[("test", 10.0)]) for v in volunteers
        ],
    )
    outcomes, errors = run_concurrently(lambda offer: offer_accept(offer=offer).outcome, offers)

    assert errors == []
    assert sorted(o.value for o in outcomes) == sorted(
        [Outcome.ACCEPTED.value] + [Outcome.TAKEN.value] * (THREADS - 1)
    )
    assert Support.objects.count() == 1
    statuses = list(ProposalOffer.objects.values_list("status", flat=True))
    assert statuses.count(OfferStatus.ACCEPTED) == 1
    assert statuses.count(OfferStatus.TAKEN) == THREADS - 1
    assert Proposal.objects.get().status == ProposalStatus.ACCEPTED
    help_request.refresh_from_db()
    assert help_request.status == RequestStatus.SUPPORTED
