import factory
from django.utils import timezone

from tests.factories import UserFactory, VolunteerFactory
from villesolidaire.neighbours.enums import ConsentMethod, NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import Neighbour, Network, StateRecord


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Résidence des Tilleuls {n}")
    kind = NetworkKind.BUILDING
    address = "4 rue des Tilleuls"
    city = "Bourg-Solidaire"
    postcode = "99001"
    referent = factory.SubFactory(VolunteerFactory, active=True)
    status = NetworkStatus.ACTIVE
    created_by = factory.SubFactory(UserFactory)


class NeighbourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbour

    network = factory.SubFactory(NetworkFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    location = "2e gauche"
    phone = factory.Sequence(lambda n: f"+3315{n:07d}")

    class Params:
        consenting = factory.Trait(
            consent_given_at=factory.LazyFunction(timezone.now), consent_method=ConsentMethod.ORAL_CCAS
        )


class StateRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StateRecord

    network = factory.SubFactory(NetworkFactory)
    visited_on = factory.LazyFunction(timezone.localdate)
    households_count = 12
    living_alone_count = 4
    isolated_count = 2
