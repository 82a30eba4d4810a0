"""Demo needs are consistent: no shift over-booked, waiting lists only on full shifts, hours = shift lengths."""

import datetime
import random

import pytest
from django.utils import timezone

from tests.factories import TownFactory, UserFactory, VolunteerFactory
from tests.factories.partners import OrganisationFactory
from villesolidaire.needs.demo import seed_needs_demo
from villesolidaire.needs.models import PLACE_HOLDING, Need, NeedStatus, Shift, ShiftSignup, SignupStatus
from villesolidaire.partners.models import OrganisationStatus


@pytest.mark.parametrize("with_organisations", [True, False])
def test_demo_needs_are_consistent(with_organisations):
    TownFactory(centre_latitude=48.11, centre_longitude=-1.68)
    if with_organisations:
        OrganisationFactory(address="1 rue des Assos", city="Bourg-Solidaire", postcode="35000")
        OrganisationFactory(status=OrganisationStatus.PENDING)
    for _ in range(40):
        VolunteerFactory(active=True)
    summary = seed_needs_demo(random.Random(1), today=timezone.localdate(), coordinator=UserFactory())

    assert summary["besoins ponctuels"] == Need.objects.count() == 5
    assert summary["inscriptions en liste d'attente"] == 2 and summary["participations"] > 0
    posted = Need.objects.exclude(organisation=None)
    if with_organisations:
        assert posted.exists() and all(n.organisation.status == OrganisationStatus.VALIDATED for n in posted)
    else:
        assert not posted.exists()
    for shift in Shift.objects.all():
        holding = ShiftSignup.objects.filter(shift=shift, status__in=PLACE_HOLDING).count()
        assert holding <= shift.places
        if ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITING).exists():
            assert holding == shift.places
    for signup in ShiftSignup.objects.filter(attended=True).select_related("shift"):
        assert signup.hours == signup.shift.duration_hours and signup.shift.ends_at < timezone.now()
    assert not ShiftSignup.objects.filter(attended__isnull=False, shift__starts_at__gt=timezone.now()).exists()
    assert Need.objects.filter(status=NeedStatus.PUBLISHED).count() == 3
    assert all(n.transitions.exists() for n in Need.objects.all())
    assert summary["heures de bénévolat sur les créneaux"] == float(
        sum(s.hours for s in ShiftSignup.objects.filter(attended=True))
    )
    assert Shift.objects.filter(starts_at__gt=timezone.now() + datetime.timedelta(days=1)).exists()
    # Demo sign-ups are in the past: someone signing up now queues after them.
    assert not ShiftSignup.objects.filter(created_at__gt=timezone.now()).exists()
