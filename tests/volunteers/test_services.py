import itertools

import pytest

from tests.factories import VolunteerFactory, staff_user
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.services import volunteer_change_status


@pytest.mark.parametrize("current,target", list(itertools.product(Status.values, Status.values)))
def test_status_changes_follow_the_workflow_table(current, target):
    volunteer = VolunteerFactory(status=current)
    coordinator = staff_user()
    if WORKFLOW.can(current, target):
        changed = volunteer_change_status(volunteer=volunteer, to_status=target, by=coordinator, reason="test")
        assert changed.status == target
        log = volunteer.status_changes.get()
        assert (log.from_status, log.to_status, log.by) == (current, target, coordinator)
        assert VolunteerMatchProfile.objects.get(volunteer=volunteer).is_eligible == (target == Status.ACTIVE)
    else:
        with pytest.raises(TransitionNotAllowed):
            volunteer_change_status(volunteer=volunteer, to_status=target, by=coordinator)
        volunteer.refresh_from_db()
        assert volunteer.status == current and not volunteer.status_changes.exists()


def test_the_database_refuses_two_volunteers_with_the_same_mobile():
    from django.db import IntegrityError, transaction

    VolunteerFactory(phone="+33698765432")
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerFactory(phone="+33698765432")
    VolunteerFactory(phone="")
    VolunteerFactory(phone="")  # no mobile is not a duplicate
