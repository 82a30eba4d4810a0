"""Register test data. Phone numbers come from the ranges ARCEP reserves for fiction
(01 99 00 … landlines, 06 39 98 … mobiles)."""

import datetime

import factory

from villesolidaire.register.models import EntryStatus, Ground, Origin, RegisterEntry, RegisterExtras


class RegisterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisterEntry

    last_name = factory.Faker("last_name")
    first_names = factory.Faker("first_name")
    birth_date = datetime.date(1940, 5, 1)
    ground = Ground.AGE_65
    address = factory.Sequence(lambda n: f"{n + 1} rue des Tilleuls")
    postcode = "99001"
    city = "Bourg-Solidaire"
    phone = factory.Sequence(lambda n: f"+331990{n % 100000:05d}")
    status = EntryStatus.REGISTERED
    origin = Origin.SELF
    request_date = datetime.date(2025, 3, 1)

    class Params:
        received = factory.Trait(status=EntryStatus.RECEIVED, request_date=factory.LazyFunction(datetime.date.today))
        mobile = factory.Trait(phone=factory.Sequence(lambda n: f"+3363998{n % 10000:04d}"))
        with_contacts = factory.Trait(
            emergency_contact_name="Claire Martin (fille)",
            emergency_contact_phone="+33199001122",
            home_care_service="SAAD du Val — 01 99 00 60 10",
        )


class RegisterExtrasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisterExtras

    entry = factory.SubFactory(RegisterEntryFactory)
    consent_on = datetime.date(2025, 3, 1)
    lives_alone = True
    door_code = "4521B"
    health_notes = "Diabétique, insuline au réfrigérateur"


def isolated(entry: RegisterEntry, *, lives_alone: bool = True) -> RegisterEntry:
    RegisterExtras.objects.create(entry=entry, consent_on=datetime.date(2025, 3, 1), lives_alone=lives_alone)
    return entry
