"""Two coordinators or two tabs at the same instant: the database settles it."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory
from villesolidaire.neighbours import services
from villesolidaire.neighbours.enums import ConsentAction, ConsentMethod
from villesolidaire.neighbours.models import ConsentEvent, StateRecord

THREADS = 8


def _race(run_concurrently, target, items) -> tuple[int, list[Exception]]:
    """How many calls succeeded, and the failures other than a validation refusal."""
    results, errors = run_concurrently(target, items)
    return len(results), [error for error in errors if not isinstance(error, ValidationError)]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_consents_are_recorded_once(run_concurrently):
    neighbour = NeighbourFactory()
    users = [staff_user() for _ in range(THREADS)]

    def record(user):
        services.consent_record(neighbour=neighbour, method=ConsentMethod.ORAL_CCAS, at=timezone.now(), by=user)

    done, errors = _race(run_concurrently, record, users)
    assert errors == []
    assert done == 1
    assert ConsentEvent.objects.filter(action=ConsentAction.GIVEN).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_visit_sent_from_several_tabs_is_filed_once(run_concurrently):
    network = NetworkFactory()
    user = network.referent.user

    def add(index):
        data = {"visited_on": timezone.localdate(), "notes": f"onglet {index}"}
        services.state_record_add(network=network, data=data, by=user)

    done, errors = _race(run_concurrently, add, range(THREADS))
    assert errors == []
    assert done == 1
    assert StateRecord.objects.count() == 1
