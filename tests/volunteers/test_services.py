import itertools

import pytest

from tests.factories import VolunteerFactory, staff_user
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.volunteers.enums import WORKFLOW, Status
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import (
    refresh_categories_masks,
    volunteer_change_status,
    volunteer_register,
    volunteer_update_profile,
)


@pytest.mark.parametrize("current,target", list(itertools.product(Status.values, Status.values)))
def test_status_changes_follow_the_workflow_table(current, target):
    volunteer = VolunteerFactory(status=current)
    coordinator = staff_user()
    if WORKFLOW.can(current, target):
        changed = volunteer_change_status(volunteer=volunteer, to_status=target, by=coordinator, reason="test")
        assert changed.status == target
        log = volunteer.status_changes.get()
        assert (log.from_status, log.to_status, log.by) == (current, target, coordinator)
        if target == Status.WITHDRAWN:
            # Anonymised: the matching index keeps no row of them.
            assert not VolunteerMatchProfile.objects.filter(volunteer=volunteer).exists()
        else:
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


def test_withdrawal_gives_held_places_to_the_people_waiting():
    from tests.factories.needs import ShiftFactory, SignupFactory
    from tests.factories.trainings import SessionRegistrationFactory, TrainingSessionFactory
    from villesolidaire.needs.models import SignupStatus
    from villesolidaire.trainings.enums import RegistrationStatus

    leaving, next_in_line, waiting_for_session = (VolunteerFactory(active=True) for _ in range(3))
    shift = ShiftFactory(places=1)
    held = SignupFactory(shift=shift, volunteer=leaving, status=SignupStatus.CONFIRMED)
    waiting = SignupFactory(shift=shift, volunteer=next_in_line, status=SignupStatus.WAITING)
    session = TrainingSessionFactory(capacity=1)
    seat = SessionRegistrationFactory(session=session, volunteer=leaving, status=RegistrationStatus.REGISTERED)
    queued = SessionRegistrationFactory(
        session=session, volunteer=waiting_for_session, status=RegistrationStatus.WAITING
    )

    volunteer_change_status(volunteer=leaving, to_status=Status.WITHDRAWN, by=staff_user())

    for row in (held, waiting, seat, queued):
        row.refresh_from_db()
    assert held.status == SignupStatus.CANCELLED and waiting.status != SignupStatus.WAITING
    assert seat.status == RegistrationStatus.CANCELLED and queued.status == RegistrationStatus.REGISTERED


def _mask(*slugs: str) -> int:
    return sum(1 << HelpCategory.objects.get(slug=slug).bit for slug in slugs)


def test_sign_up_and_profile_edits_keep_the_categories_mask_with_the_links(groceries):
    reading = HelpCategory.objects.get(slug="lecture")
    volunteer = volunteer_register(
        volunteer=Volunteer(first_name="Inès", last_name="Martin", email="ines@example.org"),
        skills=[],
        categories=[groceries, reading],
        recruitment_call=None,
    )
    volunteer.refresh_from_db()
    assert volunteer.categories_mask == _mask("courses", "lecture")
    volunteer_update_profile(
        volunteer=volunteer, skills=[], categories=HelpCategory.objects.filter(slug="lecture"), address_changed=False
    )
    volunteer.refresh_from_db()
    assert volunteer.categories_mask == _mask("lecture")
    assert list(volunteer.categories.values_list("slug", flat=True)) == ["lecture"]


def test_refresh_rewrites_the_masks_that_bulk_writers_left_behind(groceries):
    linked = VolunteerFactory()
    Volunteer.categories.through.objects.create(volunteer=linked, helpcategory=groceries)
    stale = VolunteerFactory(categories_mask=_mask("lecture"))
    right = VolunteerFactory(categories=[groceries])
    assert refresh_categories_masks() == 2
    masks = dict(Volunteer.objects.values_list("pk", "categories_mask"))
    assert (masks[linked.pk], masks[stale.pk], masks[right.pk]) == (_mask("courses"), 0, _mask("courses"))
    assert refresh_categories_masks([linked.pk, stale.pk]) == 0
