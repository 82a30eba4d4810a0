"""20 volunteers take the last seats of a session at the same instant: never more than capacity."""

import pytest

from tests.factories import VolunteerFactory
from tests.factories.trainings import TrainingSessionFactory
from villesolidaire.trainings.enums import RegistrationStatus
from villesolidaire.trainings.services import registration_create

THREADS = 20
CAPACITY = 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_never_exceed_the_capacity(run_concurrently):
    session = TrainingSessionFactory(capacity=CAPACITY)
    volunteers = [VolunteerFactory(active=True) for _ in range(THREADS)]
    statuses, errors = run_concurrently(
        lambda volunteer: registration_create(session=session, volunteer=volunteer, by=None).status, volunteers
    )

    assert errors == []
    assert sorted(statuses) == sorted(
        [RegistrationStatus.REGISTERED] * CAPACITY + [RegistrationStatus.WAITING] * (THREADS - CAPACITY)
    )
    stored = list(session.registrations.values_list("status", flat=True))
    assert stored.count(RegistrationStatus.REGISTERED) == CAPACITY
    assert stored.count(RegistrationStatus.WAITING) == THREADS - CAPACITY
