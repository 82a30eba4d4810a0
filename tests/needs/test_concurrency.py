"""20 volunteers sign up for a 3-place shift at the same instant: never more than 3 places taken."""

import pytest

from tests.factories import VolunteerFactory
from tests.factories.needs import ShiftFactory
from villesolidaire.needs.models import ShiftSignup, SignupStatus
from villesolidaire.needs.services import signup_cancel, signup_create

THREADS = 20
PLACES = 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_sign_ups_never_overbook(run_concurrently):
    shift = ShiftFactory(places=PLACES)
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]

    _results, errors = run_concurrently(lambda volunteer: signup_create(shift=shift, volunteer=volunteer), volunteers)

    assert errors == []
    statuses = list(ShiftSignup.objects.filter(shift=shift).values_list("status", flat=True))
    assert len(statuses) == THREADS
    assert statuses.count(SignupStatus.PENDING) == PLACES
    assert statuses.count(SignupStatus.WAITING) == THREADS - PLACES

    # Three holders cancel at once: exactly three people move up, in waiting-list order.
    holders = list(ShiftSignup.objects.filter(shift=shift, status=SignupStatus.PENDING))
    first_in_line = list(
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITING).order_by("created_at", "pk")[:PLACES]
    )
    _results, errors = run_concurrently(lambda signup: signup_cancel(signup=signup), holders)
    assert errors == []
    now_holding = set(ShiftSignup.objects.filter(shift=shift).holding_place().values_list("pk", flat=True))
    assert now_holding == {signup.pk for signup in first_in_line}
