"""Factories for needs tests (partners and trainings rows built with their existing fields only)."""

import datetime

import factory
from django.utils import timezone

from tests.factories import UserFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.needs.models import Need, NeedStatus, Shift, ShiftSignup, SignupStatus
from villesolidaire.partners.models import Organisation, OrganisationMember, OrganisationStatus
from villesolidaire.trainings.models import TrainingModule, VolunteerTraining

LAT, LON = 48.11, -1.68


def next_weekday_at(weekday: int, hour: int, minute: int = 0, weeks: int = 1) -> datetime.datetime:
    """A local time on the given weekday (0 = Monday) at least `weeks` weeks ahead."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association {n}")
    type = "association"
    status = OrganisationStatus.VALIDATED


def partner_user(organisation: Organisation):
    user = staff_user(Role.PARTNER)
    OrganisationMember.objects.create(organisation=organisation, user=user)
    return user


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule

    title = factory.Sequence(lambda n: f"Module {n}")


def give_training(volunteer, module, *, completed_days_ago=30, expires_in_days=None):
    today = timezone.localdate()
    return VolunteerTraining.objects.create(
        volunteer=volunteer,
        module=module,
        completed_on=today - datetime.timedelta(days=completed_days_ago),
        expires_on=today + datetime.timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )


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

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory("tests.factories.VolunteerFactory", active=True)
    status = SignupStatus.CONFIRMED
