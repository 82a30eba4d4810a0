"""20 volunteers sign up for a 3-place shift at the same instant: never more than 3 places taken."""

import threading

import pytest
from django.db import connection

from tests.factories import VolunteerFactory
from tests.needs.factories import ShiftFactory
from villesolidaire.needs.models import ShiftSignup, SignupStatus
from villesolidaire.needs.services import signup_cancel, signup_create

THREADS = 20
PLACES = 3


def run_together(target, items):
    barrier = threading.Barrier(len(items))
    errors = []

    def worker(item):
        try:
            barrier.wait(timeout=30)
            target(item)
        except Exception as exc:  # any leak is a failure, reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_sign_ups_never_overbook():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    shift = ShiftFactory(places=PLACES)
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]

    errors = run_together(lambda volunteer: signup_create(shift=shift, volunteer=volunteer), volunteers)

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
    errors = run_together(lambda signup: signup_cancel(signup=signup), holders)
    assert errors == []
    now_holding = set(ShiftSignup.objects.filter(shift=shift).holding_place().values_list("pk", flat=True))
    assert now_holding == {signup.pk for signup in first_in_line}
