"""The test factories (factory_boy, Faker fr_FR). Traits rather than subclasses.

This module holds the core rows every app builds on (users and staff, town, residents,
volunteers, help requests, supports, missions); each other app has its module beside it
(`tests.factories.register`, `.campaigns`, `.partners`, `.needs`, `.trainings`, `.neighbours`).
Each factory is defined once: import it from its app's module.
"""

import factory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.matching.index import index_volunteer
from villesolidaire.missions.models import Mission, Support
from villesolidaire.residents.models import Resident
from villesolidaire.territory.models import Quartier, Town
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Skill, Volunteer
from villesolidaire.volunteers.services import categories_mask_of

factory.Faker._DEFAULT_LOCALE = "fr_FR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("motdepasse-de-test")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            RoleGrant.objects.create(user=self, role=role)


def staff_user(role: str = Role.COORDINATOR, **kwargs) -> User:
    """A staff member with a static backup code '12345678' as second factor."""
    user = UserFactory(roles=[role], **kwargs)
    device = StaticDevice.objects.create(user=user, name="Secours", confirmed=True)
    device.token_set.create(token="12345678")
    return user


def login_staff(client, user: User) -> None:
    """Sign in and mark the session as having passed the second factor."""
    client.force_login(user)
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(user=user, name="Secours")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ["insee_code"]

    name = "Bourg-Solidaire"
    insee_code = "99001"
    hotline_phone = "01 23 45 67 89"


class QuartierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quartier

    name = factory.Sequence(lambda n: f"Quartier {n}")
    code = factory.Sequence(lambda n: f"quartier-{n}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Compétence {n}")
    # Bits 0–9 are taken by the reference categories and skills (migration help_requests 0008).
    bit = factory.Sequence(lambda n: 10 + n % 50)


class HelpCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpCategory
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Catégorie {n}")
    slug = factory.Sequence(lambda n: f"categorie-{n}")
    # Bits 0–9 are taken by the reference categories and skills (migration help_requests 0008).
    bit = factory.Sequence(lambda n: 10 + n % 50)


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_year = 1940
    phone = factory.Sequence(lambda n: f"+3314{n:07d}")
    address = "1 rue de la Paix"
    city = "Bourg-Solidaire"

    class Params:
        with_mobile = factory.Trait(mobile=factory.Sequence(lambda n: f"+3361{n:07d}"))
        located = factory.Trait(is_located=True, latitude=48.11, longitude=-1.68)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, password=None)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.SelfAttribute("user.email")
    phone = factory.Sequence(lambda n: f"+3362{n:07d}")
    address = "2 place de la Mairie"
    city = "Bourg-Solidaire"
    is_located = True
    latitude = 48.11
    longitude = -1.68
    max_distance_km = 5
    availability = (1 << 21) - 1
    status = VolunteerStatus.REGISTERED
    gdpr_notice_accepted_at = factory.LazyFunction(timezone.now)
    charter_accepted_at = factory.LazyFunction(timezone.now)

    class Params:
        active = factory.Trait(status=VolunteerStatus.ACTIVE, validated_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if extracted:
            self.categories.set(extracted)
            self.categories_mask = categories_mask_of(extracted)
            self.save(update_fields=["categories_mask"])

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if extracted:
            self.skills.set(extracted)

    @factory.post_generation
    def match_index(self, create, extracted, **kwargs):
        """Its matching index row, as the volunteers' services write it (`match_index=False`: none)."""
        if create and extracted is not False:
            index_volunteer(self)


class HelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpRequest

    resident = factory.SubFactory(ResidentFactory)
    category = factory.SubFactory(HelpCategoryFactory)
    description = "Faire les courses de la semaine."


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    help_request = factory.SubFactory(HelpRequestFactory)
    volunteer = factory.SubFactory(VolunteerFactory, active=True)
    resident = factory.SelfAttribute("help_request.resident")


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    support = factory.SubFactory(SupportFactory)
    scheduled_at = factory.LazyFunction(timezone.now)
