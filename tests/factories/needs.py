"""Needs, shifts and sign-ups."""

import datetime

import factory
from django.utils import timezone

from tests.factories import UserFactory, VolunteerFactory
from villesolidaire.core.fields import link_token
from villesolidaire.needs.models import Need, NeedStatus, Shift, ShiftSignup, SignupStatus

LAT, LON = 48.11, -1.68

# What the need form receives for a valid need the town posts itself; tests override a field with `|`.
NEED_FORM_DATA = {
    "title": "Collecte nationale",
    "description": "Accueillir les donateurs à l'entrée du magasin.",
    "domain": "solidarity",
    "api_domain": "solidarite-insertion",
    "remote": "no",
    "address": "12 avenue de la Gare",
    "postcode": "35000",
    "city": "Bourg-Solidaire",
    "organisation": "",
}


def next_weekday_at(weekday: int, hour: int, minute: int = 0, weeks: int = 1) -> datetime.datetime:
    """A local time on the given weekday (0 = Monday) at least `weeks` weeks ahead."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"Tri à la banque alimentaire {n}")
    description = "Trier les denrées de la collecte."
    address = "3 rue du Marché"
    city = "Bourg-Solidaire"
    postcode = "35000"
    is_located = True
    latitude = LAT
    longitude = LON
    domain = "solidarity"
    status = NeedStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    need = factory.SubFactory(NeedFactory)
    # Saturday morning, next week: the "sat_am" slot.
    starts_at = factory.LazyFunction(lambda: next_weekday_at(5, 9))
    ends_at = factory.LazyAttribute(lambda shift: shift.starts_at + datetime.timedelta(hours=3))
    places = 3


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftSignup
        skip_postgeneration_save = True

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory, active=True)
    status = SignupStatus.CONFIRMED

    @factory.post_generation
    def token(signup, create, extracted, **kwargs):
        """Issue the sign-up's link key, as its first message does: `signup.token` is the clear key."""
        link_token(signup)
