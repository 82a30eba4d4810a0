"""Campaign test data: register entries (minimal, until the register app ships its own
factories), episodes, campaigns, accredited callers."""

import datetime

import factory
from django.utils import timezone

from tests.factories import QuartierFactory, staff_user  # noqa: F401 (QuartierFactory re-exported)
from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns import services
from villesolidaire.campaigns.models import Episode, EpisodeKind, EpisodeLevel
from villesolidaire.register.models import EntryStatus, Ground, RegisterEntry, RegisterExtras

NOW = datetime.datetime(2026, 7, 15, 9, 0, tzinfo=timezone.get_default_timezone())


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
    # Fiction ranges (ARCEP): 01 99 00 … landlines, 06 39 98 … mobiles.
    phone = factory.Sequence(lambda n: f"+331990{n % 100000:05d}")
    status = EntryStatus.REGISTERED
    request_date = datetime.date(2025, 3, 1)

    class Params:
        mobile = factory.Trait(phone=factory.Sequence(lambda n: f"+3363998{n % 10000:04d}"))
        with_contacts = factory.Trait(
            emergency_contact_name="Claire Martin (fille)",
            emergency_contact_phone="+33199001122",
            home_care_service="SAAD du Val — 01 99 00 60 10",
        )


def isolated(entry: RegisterEntry, *, lives_alone: bool = True) -> RegisterEntry:
    RegisterExtras.objects.create(entry=entry, consent_on=datetime.date(2025, 3, 1), lives_alone=lives_alone)
    return entry


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    kind = EpisodeKind.HEATWAVE
    level = EpisodeLevel.ORANGE
    starts_on = datetime.date(2026, 7, 14)


def episode_with(*quartiers, **kwargs) -> Episode:
    episode = EpisodeFactory(**kwargs)
    episode.quartiers.set(quartiers)
    return episode


def officer():
    return staff_user(Role.REGISTER_OFFICER)


def accredited_caller(by=None):
    user = staff_user(Role.VOLUNTEER)
    services.accreditation_grant(
        user=user,
        training_on=datetime.date(2026, 6, 1),
        undertaking_signed_on=datetime.date(2026, 6, 1),
        by=by or officer(),
    )
    return user


def campaign_for(episode, *, by=None, now=NOW, sms_wave=False, recall=None, **targeting):
    return services.campaign_create(
        episode=episode,
        by=by or officer(),
        targeting=services.Targeting(**targeting),
        now=now,
        sms_wave=sms_wave,
        recall=recall or services.rules.RecallRules(),
    )
