"""Simultaneous submissions and decisions: one pending change per target, decided once."""

import pytest

from tests.factories import staff_user
from tests.factories.partners import OrganisationFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.partners import services
from villesolidaire.partners.models import ChangeStatus, PendingChange

THREADS = 8


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_leave_one_pending_change(run_concurrently):
    organisation = OrganisationFactory()
    partner = partner_of(organisation)
    _results, errors = run_concurrently(
        lambda n: services.organisation_submit(organisation=organisation, values={"name": f"Nom {n}"}, by=partner),
        list(range(THREADS)),
    )
    assert errors == []
    change = PendingChange.objects.get()
    assert change.proposed["name"] in {f"Nom {n}" for n in range(THREADS)}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_decisions_decide_once(run_concurrently):
    organisation = OrganisationFactory(name="Avant")
    change = services.organisation_submit(organisation=organisation, values={"name": "Après"}, by=None)
    coordinators = [staff_user(Role.COORDINATOR) for _ in range(THREADS)]
    results, errors = run_concurrently(
        lambda user: services.change_decide(change=change, approve=True, by=user),
        coordinators,
    )
    assert len(results) == 1
    assert len(errors) == THREADS - 1 and all(isinstance(error, TransitionNotAllowed) for error in errors)
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.decided_by == results[0].decided_by
