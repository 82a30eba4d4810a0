"""Simultaneous submissions and decisions: one pending change per target, decided once."""

import threading

import pytest
from django.db import connection

from tests.factories import staff_user
from tests.partners.factories import OrganisationFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.partners import services
from villesolidaire.partners.models import ChangeStatus, PendingChange

THREADS = 8


def _together(target, arguments):
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []

    def run(argument):
        try:
            barrier.wait(timeout=30)
            results.append(target(argument))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_leave_one_pending_change():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    organisation = OrganisationFactory()
    partner = partner_of(organisation)
    _results, errors = _together(
        lambda n: services.organisation_submit(organisation=organisation, values={"name": f"Nom {n}"}, by=partner),
        list(range(THREADS)),
    )
    assert errors == []
    change = PendingChange.objects.get()
    assert change.proposed["name"] in {f"Nom {n}" for n in range(THREADS)}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_decisions_decide_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    organisation = OrganisationFactory(name="Avant")
    change = services.organisation_submit(organisation=organisation, values={"name": "Après"}, by=None)
    coordinators = [staff_user(Role.COORDINATOR) for _ in range(THREADS)]
    results, errors = _together(
        lambda user: services.change_decide(change=change, approve=True, by=user),
        coordinators,
    )
    assert len(results) == 1
    assert len(errors) == THREADS - 1 and all(isinstance(error, TransitionNotAllowed) for error in errors)
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.decided_by == results[0].decided_by
