"""20 volunteers accept the same proposal at the same instant: exactly one support."""

import threading

import pytest
from django.db import connection

from tests.factories import HelpCategoryFactory, HelpRequestFactory, ResidentFactory, VolunteerFactory
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.matching.models import OfferStatus, Proposal, ProposalOffer, ProposalStatus
from villesolidaire.matching.selectors import Candidate
from villesolidaire.matching.services import Outcome, offer_accept, proposal_create
from villesolidaire.missions.models import Support

THREADS = 20


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_accepts_give_exactly_one_support():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    category = HelpCategoryFactory(bit=50)
    help_request = HelpRequestFactory(category=category, resident=ResidentFactory(with_mobile=True))
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]
    _proposal, offers = proposal_create(
        help_request=help_request,
        by=None,
        candidates=[
            Candidate(volunteer_id=v.pk, score=10.0, distance_km=1.0, explanation=[("test", 10.0)]) for v in volunteers
        ],
    )
    barrier = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def accept(offer):
        try:
            barrier.wait(timeout=30)
            outcomes.append(offer_accept(offer=offer).outcome)
        except Exception as exc:  # any leak is a failure, reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(offer,)) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

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
