"""Two coordinators or two tabs at the same instant: the database settles it."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tests.factories import staff_user
from tests.neighbours.factories import NeighbourFactory, NetworkFactory
from villesolidaire.neighbours import services
from villesolidaire.neighbours.enums import ConsentAction, ConsentMethod
from villesolidaire.neighbours.models import ConsentEvent, StateRecord

THREADS = 8


def _race(target, args_list) -> tuple[int, list[Exception]]:
    barrier = threading.Barrier(len(args_list))
    done, refused, errors = [], [], []

    def run(args):
        try:
            barrier.wait(timeout=30)
            target(*args)
            done.append(1)
        except ValidationError:
            refused.append(1)
        except Exception as exc:  # anything else is a failure, reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(args,)) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(done) + len(refused) + len(errors) == len(args_list)
    return len(done), errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_consents_are_recorded_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    neighbour = NeighbourFactory()
    users = [staff_user() for _ in range(THREADS)]

    def record(user):
        services.consent_record(neighbour=neighbour, method=ConsentMethod.ORAL_CCAS, at=timezone.now(), by=user)

    done, errors = _race(record, [(user,) for user in users])
    assert errors == []
    assert done == 1
    assert ConsentEvent.objects.filter(action=ConsentAction.GIVEN).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_visit_sent_from_several_tabs_is_filed_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database")
    network = NetworkFactory()
    user = network.referent.user

    def add(index):
        data = {"visited_on": timezone.localdate(), "notes": f"onglet {index}"}
        services.state_record_add(network=network, data=data, by=user)

    done, errors = _race(add, [(index,) for index in range(THREADS)])
    assert errors == []
    assert done == 1
    assert StateRecord.objects.count() == 1
