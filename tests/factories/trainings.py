import datetime

import factory
from django.utils import timezone

from tests.factories import VolunteerFactory
from villesolidaire.matching.index import refresh_training_masks
from villesolidaire.trainings.enums import RegistrationStatus, SessionStatus
from villesolidaire.trainings.models import (
    SessionRegistration,
    TrainingMode,
    TrainingModule,
    TrainingSession,
    VolunteerTraining,
)


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingModule
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Module {n}")
    mode = TrainingMode.IN_PERSON
    duration_minutes = 120
    validity_months = 24

    class Params:
        online = factory.Trait(mode=TrainingMode.ONLINE, link="https://formation.example.org/m", validity_months=None)

    @factory.post_generation
    def required_for(self, create, extracted, **kwargs):
        if extracted:
            self.required_for_categories.set(extracted)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    module = factory.SubFactory(TrainingModuleFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    place = "Salle du conseil, mairie"
    capacity = 10
    status = SessionStatus.PLANNED

    class Params:
        past = factory.Trait(starts_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1)))


class SessionRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionRegistration

    session = factory.SubFactory(TrainingSessionFactory)
    volunteer = factory.SubFactory(VolunteerFactory, active=True)
    status = RegistrationStatus.REGISTERED


class VolunteerTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerTraining

    volunteer = factory.SubFactory(VolunteerFactory, active=True)
    module = factory.SubFactory(TrainingModuleFactory)
    completed_on = factory.LazyFunction(timezone.localdate)


def give_training(volunteer, module, *, completed_days_ago=30, expires_in_days=None) -> VolunteerTraining:
    """A training completed `completed_days_ago` days ago, expiring in `expires_in_days` days (never if None),
    and the volunteer's matching index row brought up to date, as the trainings' services do."""
    today = timezone.localdate()
    training = VolunteerTraining.objects.create(
        volunteer=volunteer,
        module=module,
        completed_on=today - datetime.timedelta(days=completed_days_ago),
        expires_on=today + datetime.timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    refresh_training_masks([volunteer.pk])
    return training
