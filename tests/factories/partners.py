"""Factories of the partner directory."""

import factory
from django.utils import timezone

from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.partners.models import (
    Organisation,
    OrganisationMember,
    OrganisationStatus,
    OrganisationType,
    Service,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Association solidaire n° {n}")
    type = OrganisationType.ASSOCIATION
    description = "Une association de bénévoles du quartier."
    status = OrganisationStatus.VALIDATED
    address = factory.Sequence(lambda n: f"{n + 1} rue des Lilas")
    postcode = "99001"
    city = "Bourg-Solidaire"
    latitude = 47.2
    longitude = 0.64
    is_located = True
    phone = "+33199001234"
    email = factory.Sequence(lambda n: f"contact{n}@association-exemple.fr")
    opening_hours = "Mo-Fr 09:00-12:00"
    updated_at = factory.LazyFunction(timezone.now)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service d'entraide n° {n}")
    description = "Des colis alimentaires chaque semaine pour les familles."
    type = "aide-materielle"
    thematiques = factory.LazyFunction(lambda: ["equipement-et-alimentation--alimentation"])
    publics = factory.LazyFunction(lambda: ["familles"])
    modes_accueil = factory.LazyFunction(lambda: ["en-presentiel"])
    is_active = True


def partner_of(organisation: Organisation, **kwargs):
    """A partner account (second factor ready) acting for `organisation`."""
    user = staff_user(Role.PARTNER, **kwargs)
    OrganisationMember.objects.create(organisation=organisation, user=user)
    return user
