"""Who is told about a need: relevant volunteers only, once, the trained ones."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import HelpCategoryFactory, VolunteerFactory
from tests.factories.needs import LAT, ShiftFactory, next_weekday_at
from tests.factories.trainings import TrainingModuleFactory, give_training
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS
from villesolidaire.core.fields import token_digest
from villesolidaire.needs.models import NeedInvitation, NeedStatus
from villesolidaire.needs.selectors import _slots_of_range, availability_mask_of, select_volunteers
from villesolidaire.needs.services import NeedError, need_notify_preview, need_notify_request, need_notify_volunteers
from villesolidaire.notifications.models import Message
from villesolidaire.volunteers.enums import Status

SOLIDARITY = ENGAGEMENT_DOMAINS.bit_of("solidarity")
ECO = ENGAGEMENT_DOMAINS.bit_of("eco")
SAT_AM = AVAILABILITY.bit_of("sat_am")
MON_AM = AVAILABILITY.bit_of("mon_am")
KM_LAT = 1 / 110.574  # one kilometre north, in degrees


def volunteer(**kwargs):
    defaults = {"active": True, "domains": SOLIDARITY, "availability": SAT_AM, "max_distance_km": 3}
    return VolunteerFactory(**(defaults | kwargs))


@pytest.fixture
def need():
    shift = ShiftFactory()  # Saturday 9:00–12:00, next week, at (LAT, LON)
    return shift.need


def local(day_offset_weekday, hour, minute=0):
    return timezone.localtime(next_weekday_at(day_offset_weekday, hour, minute))


@pytest.mark.parametrize(
    ("weekday", "start", "end", "slots"),
    [
        (5, (9, 0), (12, 0), ["sat_am"]),
        (5, (11, 0), (14, 0), ["sat_am", "sat_pm"]),
        (0, (7, 0), (8, 0), ["mon_am"]),  # before 8 h: still a morning
        (2, (18, 30), (22, 0), ["wed_eve"]),
        (4, (8, 0), (21, 0), ["fri_am", "fri_pm", "fri_eve"]),
    ],
)
def test_shift_time_ranges_map_to_weekly_slots(weekday, start, end, slots):
    begin, finish = local(weekday, *start), local(weekday, *end)
    assert _slots_of_range(begin, finish) == AVAILABILITY.to_mask(slots)


def test_a_shift_over_midnight_touches_both_days():
    begin = local(5, 20)
    finish = begin + datetime.timedelta(hours=5)
    assert _slots_of_range(begin, finish) == AVAILABILITY.to_mask(["sat_eve", "sun_am"])


def test_a_shift_on_the_last_day_of_the_calendar_maps_to_its_slots():
    # 31/12/9999 is a Friday; stepping to the day after would overflow.
    begin = datetime.datetime(9999, 12, 31, 9, tzinfo=timezone.get_current_timezone())
    assert _slots_of_range(begin, begin + datetime.timedelta(hours=3)) == AVAILABILITY.to_mask(["fri_am"])


def test_mask_of_several_shifts_is_their_union(need):
    ShiftFactory(need=need, starts_at=next_weekday_at(0, 14), ends_at=next_weekday_at(0, 16))
    assert availability_mask_of(need.shifts.all()) == AVAILABILITY.to_mask(["sat_am", "mon_pm"])


def test_who_is_and_is_not_selected(need):
    category = HelpCategoryFactory()
    need.category = category
    need.save()
    chosen = {
        "close, free, solidarity": volunteer(),
        "eco but accepts the category": volunteer(domains=ECO, categories=[category]),
        "not located: distance unknown": volunteer(is_located=False, latitude=None, longitude=None),
        "2 km away, accepts 3": volunteer(latitude=LAT + 2 * KM_LAT),
    }
    left_out = {
        "paused": volunteer(status=Status.PAUSED),
        "registered, not validated": volunteer(status=Status.REGISTERED),
        "other domain, no category": volunteer(domains=ECO),
        "5 km away, accepts 3": volunteer(latitude=LAT + 5 * KM_LAT),
        "only free on Monday": volunteer(availability=MON_AM),
        "no availability given": volunteer(availability=0),
    }
    selection = select_volunteers(need)
    assert set(selection.volunteer_ids) == {v.pk for v in chosen.values()}
    assert selection.lacking_training == 0
    assert not set(selection.volunteer_ids) & {v.pk for v in left_out.values()}


def test_an_unlocated_need_ignores_distance(need):
    need.is_located, need.latitude, need.longitude = False, None, None
    need.save()
    far = volunteer(latitude=LAT + 40 * KM_LAT)
    assert select_volunteers(need).volunteer_ids == [far.pk]


def test_required_trainings_leave_out_and_count_those_lacking_them(need):
    first_aid, food_safety = TrainingModuleFactory(title="PSC1"), TrainingModuleFactory(title="Hygiène alimentaire")
    need.trainings.set([first_aid, food_safety])
    both = volunteer()
    give_training(both, first_aid)
    give_training(both, food_safety, expires_in_days=365)
    only_one = volunteer()
    give_training(only_one, first_aid)
    expired = volunteer()
    give_training(expired, first_aid)
    give_training(expired, food_safety, completed_days_ago=400, expires_in_days=-30)
    volunteer()  # none at all
    volunteer(status=Status.PAUSED)  # not relevant anyway: not counted as lacking

    selection = select_volunteers(need)
    assert selection.volunteer_ids == [both.pk]
    assert selection.lacking_training == 3
    assert selection.matching == 4


def test_training_expiring_before_the_shift_does_not_count(need):
    module = TrainingModuleFactory()
    need.trainings.set([module])
    person = volunteer()
    give_training(person, module, expires_in_days=2)  # the shift is at least a week ahead
    assert select_volunteers(need).volunteer_ids == []
    assert select_volunteers(need).lacking_training == 1


def test_nearest_first_within_the_limit(need):
    far = volunteer(latitude=LAT + 2.5 * KM_LAT)
    near = volunteer(latitude=LAT + 0.5 * KM_LAT)
    middle = volunteer(latitude=LAT + 1.5 * KM_LAT)
    unknown = volunteer(is_located=False, latitude=None, longitude=None)
    selection = select_volunteers(need, limit=3)
    assert selection.volunteer_ids == [near.pk, middle.pk, far.pk]
    assert selection.beyond_limit == 1
    assert select_volunteers(need, limit=10).volunteer_ids[-1] == unknown.pk


def notify(need, by=None):
    """Confirm the send as the page would, then run the background task's work."""
    shown = need_notify_preview(need=need)
    notification = need_notify_request(need=need, by=by, confirmation=shown.token)
    return need_notify_volunteers(notification_id=notification.pk)


def test_volunteers_are_told_once_with_a_personal_link(need):
    first, second = volunteer(), volunteer(phone="", email="sans-mobile@example.org")
    selection = notify(need)
    assert sorted(selection.volunteer_ids) == sorted([first.pk, second.pk])
    invitations = {i.volunteer_id: i for i in NeedInvitation.objects.filter(need=need)}
    sms = Message.objects.get(kind="need_invitation", channel="sms")
    assert sms.recipient == first.phone.as_e164
    key = re.search(r"/besoins/invitation/([\w-]+)/", sms.outgoing_body()).group(1)
    assert invitations[first.pk].token_hash == token_digest(key)
    assert key not in sms.body and "[lien personnel]" in sms.body
    email = Message.objects.get(kind="need_invitation", channel="email")
    assert email.recipient == "sans-mobile@example.org"
    key = re.search(r"/besoins/invitation/([\w-]+)/", email.outgoing_body()).group(1)
    assert invitations[second.pk].token_hash == token_digest(key)

    # Pressing again, or a newcomer: nobody is told twice.
    newcomer = volunteer()
    again = notify(need)
    assert again.volunteer_ids == [newcomer.pk]
    with pytest.raises(NeedError, match="Personne d'autre"):
        notify(need)
    assert Message.objects.filter(kind="need_invitation").count() == 3
    assert NeedInvitation.objects.filter(need=need).count() == 3


def test_volunteers_already_signed_up_are_not_told(need):
    from tests.factories.needs import SignupFactory

    signed = volunteer()
    SignupFactory(shift=need.shifts.get(), volunteer=signed)
    assert select_volunteers(need).volunteer_ids == []


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.CLOSED, NeedStatus.CANCELLED])
def test_only_published_needs_are_announced(need, status):
    need.status = status
    need.save()
    volunteer()
    with pytest.raises(NeedError, match="Publiez"):
        notify(need)
    assert not Message.objects.exists()


def test_nobody_is_told_when_every_shift_has_started(need):
    volunteer()
    start = timezone.now() - datetime.timedelta(hours=1)
    need.shifts.update(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    assert select_volunteers(need).volunteer_ids == []
