from tests.factories import HelpRequestFactory, VolunteerFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import ClosureReason, Status
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.help_requests.services import help_request_transition
from villesolidaire.matching.models import OfferStatus, ProposalStatus
from villesolidaire.matching.selectors import Candidate
from villesolidaire.matching.services import proposal_create


def test_closing_a_request_withdraws_its_open_proposal():
    coordinator = staff_user(Role.COORDINATOR)
    category = HelpCategory.objects.get(slug="courses")
    help_request = HelpRequestFactory(category=category)
    volunteer = VolunteerFactory(active=True, categories=[category])
    proposal, offers = proposal_create(
        help_request=help_request,
        candidates=[Candidate(volunteer_id=volunteer.pk, score=50, distance_km=1.0)],
        by=coordinator,
    )
    assert proposal.status == ProposalStatus.OPEN

    help_request.refresh_from_db()
    help_request_transition(
        help_request=help_request, target=Status.CLOSED, by=coordinator, closure_reason=ClosureReason.REFERRED
    )

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CANCELLED
    assert [o.status for o in proposal.offers.all()] == [OfferStatus.WITHDRAWN]
