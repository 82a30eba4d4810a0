"""What a key's account may read, per kind of object: the pages' permission-scoped querysets. The
endpoints list and open these rows; the webhooks send an event only about a row in them."""

from django.db import models

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import is_coordinator, within_quartiers
from villesolidaire.campaigns.models import Campaign
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.models import Mission, Support
from villesolidaire.needs.models import Need
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.models import Volunteer

# Desk roles that run the crisis day read the campaigns' counts (campaigns.selectors, no identity).
CAMPAIGN_FIGURES_ROLES = (Role.COORDINATOR, Role.OPERATOR, Role.OFFICIAL)


def help_requests(user) -> models.QuerySet:
    return HelpRequest.objects.visible_to(user)


def residents(user) -> models.QuerySet:
    return Resident.objects.visible_to(user).active()


def volunteers(user) -> models.QuerySet:
    return Volunteer.objects.visible_to(user) if is_coordinator(user) else Volunteer.objects.none()


def supports(user) -> models.QuerySet:
    if not is_coordinator(user):
        return Support.objects.none()
    return within_quartiers(Support.objects.all(), user, "resident__quartier")


def missions(user) -> models.QuerySet:
    if not is_coordinator(user):
        return Mission.objects.none()
    return within_quartiers(Mission.objects.all(), user, "support__resident__quartier")


def needs(user) -> models.QuerySet:
    if is_coordinator(user):
        return Need.objects.all()
    if user.has_role(Role.PARTNER):
        return Need.objects.of_partner(user)
    return Need.objects.none()


def campaigns(user) -> models.QuerySet:
    return Campaign.objects.all() if user.has_role(*CAMPAIGN_FIGURES_ROLES) else Campaign.objects.none()
