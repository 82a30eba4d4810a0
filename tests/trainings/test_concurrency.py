"""20 volunteers take the last seats of a session at the same instant: never more than capacity."""

import threading

import pytest
from django.db import connection

from tests.factories import VolunteerFactory
from tests.trainings.factories import TrainingSessionFactory
from villesolidaire.trainings.enums import RegistrationStatus
from villesolidaire.trainings.services import registration_create

THREADS = 20
CAPACITY = 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_never_exceed_the_capacity():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    session = TrainingSessionFactory(capacity=CAPACITY)
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    statuses, errors = [], []

    def register(volunteer):
        try:
            barrier.wait(timeout=30)
            statuses.append(registration_create(session=session, volunteer=volunteer, by=None).status)
        except Exception as exc:  # any leak is a failure, reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(volunteer,)) for volunteer in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(statuses) == sorted(
        [RegistrationStatus.REGISTERED] * CAPACITY + [RegistrationStatus.WAITING] * (THREADS - CAPACITY)
    )
    stored = list(session.registrations.values_list("status", flat=True))
    assert stored.count(RegistrationStatus.REGISTERED) == CAPACITY
    assert stored.count(RegistrationStatus.WAITING) == THREADS - CAPACITY
