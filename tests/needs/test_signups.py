"""Sign-ups, waiting list and promotion, reminders once, attendance and hours."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import UserFactory, VolunteerFactory
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from tests.factories.trainings import TrainingModuleFactory, give_training
from villesolidaire.core.fields import token_digest
from villesolidaire.needs.models import NeedStatus, ShiftSignup, SignupStatus
from villesolidaire.needs.selectors import volunteer_hours
from villesolidaire.needs.services import (
    NeedError,
    attendance_record,
    need_change_status,
    reminders_send,
    signup_cancel,
    signup_confirm,
    signup_create,
)
from villesolidaire.notifications.models import Message
from villesolidaire.volunteers.enums import Status


@pytest.fixture
def shift():
    return ShiftFactory(places=2)


def sign(shift, **kwargs):
    return signup_create(shift=shift, volunteer=VolunteerFactory(active=True, **kwargs)).signup


def test_places_then_waiting_list_in_order(shift):
    first, second, third, fourth = (sign(shift) for _ in range(4))
    assert [first.status, second.status] == [SignupStatus.PENDING, SignupStatus.PENDING]
    assert [third.status, fourth.status] == [SignupStatus.WAITING, SignupStatus.WAITING]
    assert Message.objects.filter(kind="shift_signup").count() == 2
    waiting = Message.objects.filter(kind="shift_waiting")
    assert waiting.count() == 2 and "attente" in waiting.first().body


def test_cancelling_a_place_promotes_the_first_in_line_and_tells_them(shift):
    first, _second, third, fourth = (sign(shift) for _ in range(4))
    promoted = signup_cancel(signup=first)
    assert promoted.pk == third.pk
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.status == SignupStatus.PENDING and third.promoted_at is not None
    assert fourth.status == SignupStatus.WAITING
    told = Message.objects.get(kind="shift_promoted")
    assert told.recipient == third.volunteer.phone.as_e164
    link = re.search(r"/besoins/inscription/([\w-]+)/", told.outgoing_body())
    assert link and link.group(1) not in told.body
    third.refresh_from_db()
    assert third.token_hash == token_digest(link.group(1))
    assert ShiftSignup.objects.filter(shift=shift).holding_place().count() == 2


def test_cancelling_from_the_waiting_list_promotes_nobody(shift):
    signups = [sign(shift) for _ in range(3)]
    assert signup_cancel(signup=signups[2]) is None
    assert ShiftSignup.objects.holding_place().count() == 2
    assert not Message.objects.filter(kind="shift_promoted").exists()


def test_cancelling_twice_is_harmless(shift):
    signup = sign(shift)
    signup_cancel(signup=signup)
    assert signup_cancel(signup=signup) is None
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CANCELLED


def test_signing_up_twice_keeps_one_sign_up_and_after_cancel_one_may_come_back(shift):
    volunteer = VolunteerFactory(active=True)
    first = signup_create(shift=shift, volunteer=volunteer)
    again = signup_create(shift=shift, volunteer=volunteer)
    assert first.created and not again.created and again.signup.pk == first.signup.pk
    signup_cancel(signup=first.signup)
    back = signup_create(shift=shift, volunteer=volunteer)
    assert back.created and back.signup.status == SignupStatus.PENDING
    assert ShiftSignup.objects.filter(shift=shift, volunteer=volunteer).count() == 2


def test_confirmation_by_the_organiser_is_told(shift):
    signup = sign(shift)
    signup_confirm(signup=signup, by=UserFactory())
    signup.refresh_from_db()
    assert signup.status == SignupStatus.CONFIRMED and signup.confirmed_at
    assert Message.objects.filter(kind="shift_confirmed").count() == 1
    waiting = [sign(shift), sign(shift)][1]
    assert waiting.status == SignupStatus.WAITING
    with pytest.raises(NeedError):
        signup_confirm(signup=waiting, by=UserFactory())


@pytest.mark.parametrize("status", [Status.PAUSED, Status.REGISTERED])
def test_only_active_volunteers_sign_up(shift, status):
    with pytest.raises(NeedError, match="pas active"):
        signup_create(shift=shift, volunteer=VolunteerFactory(status=status))
    assert not ShiftSignup.objects.exists()


def test_required_training_is_checked_at_sign_up(shift):
    module = TrainingModuleFactory(title="Premiers secours")
    shift.need.trainings.set([module])
    volunteer = VolunteerFactory(active=True)
    with pytest.raises(NeedError, match="Premiers secours"):
        signup_create(shift=shift, volunteer=volunteer)
    give_training(volunteer, module)
    assert signup_create(shift=shift, volunteer=volunteer).created


def test_no_sign_up_on_a_started_shift_or_an_unpublished_need(shift):
    started = ShiftFactory(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    with pytest.raises(NeedError, match="commencé"):
        sign(started)
    shift.need.status = NeedStatus.CLOSED
    shift.need.save()
    with pytest.raises(NeedError, match="plus ouvert"):
        sign(shift)


def test_cancelling_a_need_cancels_and_tells_its_volunteers(shift):
    signups = [sign(shift) for _ in range(3)]
    need_change_status(need=shift.need, to_status=NeedStatus.CANCELLED, by=UserFactory())
    assert set(ShiftSignup.objects.values_list("status", flat=True)) == {SignupStatus.CANCELLED}
    assert Message.objects.filter(kind="need_cancelled").count() == len(signups)
    assert list(shift.need.transitions.values_list("from_status", "to_status")) == [("published", "cancelled")]


def test_workflow_refuses_forbidden_moves_in_french():
    need = NeedFactory(status=NeedStatus.CANCELLED)
    with pytest.raises(NeedError, match="Passage impossible"):
        need_change_status(need=need, to_status=NeedStatus.PUBLISHED, by=None)


def test_publishing_needs_a_validated_organisation_and_a_future_shift():
    from tests.factories.partners import OrganisationFactory
    from villesolidaire.partners.models import OrganisationStatus

    user = UserFactory()
    pending = OrganisationFactory(status=OrganisationStatus.PENDING)
    need = NeedFactory(status=NeedStatus.DRAFT, organisation=pending)
    ShiftFactory(need=need)
    with pytest.raises(NeedError, match="pas encore validée"):
        need_change_status(need=need, to_status=NeedStatus.PUBLISHED, by=user)
    town_need = NeedFactory(status=NeedStatus.DRAFT)
    with pytest.raises(NeedError, match="créneau"):
        need_change_status(need=town_need, to_status=NeedStatus.PUBLISHED, by=user)
    ShiftFactory(need=town_need)
    need_change_status(need=town_need, to_status=NeedStatus.PUBLISHED, by=user)
    town_need.refresh_from_db()
    assert town_need.status == NeedStatus.PUBLISHED and town_need.published_at
    transition = town_need.transitions.get()
    assert (transition.from_status, transition.to_status, transition.by) == ("draft", "published", user)


def test_reminders_go_the_day_before_once_per_sign_up():
    now = timezone.now()
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1), datetime.time(10))
    )
    in_three_days = tomorrow + datetime.timedelta(days=2)
    shift = ShiftFactory(starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2), places=2)
    later = ShiftFactory(starts_at=in_three_days, ends_at=in_three_days + datetime.timedelta(hours=2))
    held = [
        SignupFactory(shift=shift, status=SignupStatus.CONFIRMED),
        SignupFactory(shift=shift, status=SignupStatus.PENDING),
    ]
    SignupFactory(shift=shift, status=SignupStatus.WAITING)
    SignupFactory(shift=shift, status=SignupStatus.CANCELLED)
    SignupFactory(shift=later)
    # Closing stops sign-ups, not the event: still reminded. A cancelled need is not.
    closed = ShiftFactory(
        need=NeedFactory(status=NeedStatus.CLOSED), starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=1)
    )
    held.append(SignupFactory(shift=closed))
    gone = ShiftFactory(
        need=NeedFactory(status=NeedStatus.CANCELLED),
        starts_at=tomorrow,
        ends_at=tomorrow + datetime.timedelta(hours=1),
    )
    SignupFactory(shift=gone)

    assert reminders_send(now=now) == 3
    assert reminders_send(now=now) == 0
    call_command("send_shift_reminders")
    reminders = Message.objects.filter(kind="shift_reminder")
    assert sorted(m.recipient for m in reminders) == sorted(s.volunteer.phone.as_e164 for s in held)
    assert all("demain" in m.body for m in reminders)


def test_attendance_defaults_to_the_shift_length_and_counts_hours():
    start = timezone.now() - datetime.timedelta(hours=4)
    shift = ShiftFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2, minutes=30))
    present = SignupFactory(shift=shift)
    absent = SignupFactory(shift=shift)
    short = SignupFactory(shift=shift)
    attendance_record(signup=present, attended=True, hours=None, by=None)
    attendance_record(signup=absent, attended=False, hours=Decimal("3"), by=None)
    attendance_record(signup=short, attended=True, hours=Decimal("1.5"), by=None)
    present.refresh_from_db()
    absent.refresh_from_db()
    assert present.hours == Decimal("2.50") and present.attended is True
    assert absent.hours is None and absent.attended is False
    assert volunteer_hours(present.volunteer) == (Decimal("2.50"), 1)
    assert volunteer_hours(absent.volunteer) == (Decimal("0"), 0)


def test_attendance_is_refused_before_the_shift_and_for_bad_hours():
    future = SignupFactory()
    with pytest.raises(NeedError, match="commencé"):
        attendance_record(signup=future, attended=True, hours=None, by=None)
    start = timezone.now() - datetime.timedelta(hours=3)
    past = SignupFactory(shift=ShiftFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2)))
    with pytest.raises(NeedError, match="entre 0 et 24"):
        attendance_record(signup=past, attended=True, hours=Decimal("30"), by=None)
    waiting = SignupFactory(shift=past.shift, status=SignupStatus.WAITING)
    with pytest.raises(NeedError, match="inscrites sur une place"):
        attendance_record(signup=waiting, attended=True, hours=None, by=None)
    past.refresh_from_db()
    assert past.attended is None and past.hours is None
