"""Campaign test data: episodes, campaigns, accredited callers (register entries: tests.factories.register)."""

import datetime

from django.utils import timezone

from tests.factories import staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.services.accreditations import accreditation_grant
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_create
from villesolidaire.campaigns.services.targeting import Targeting

NOW = datetime.datetime(2026, 7, 15, 9, 0, tzinfo=timezone.get_default_timezone())


def officer():
    return staff_user(Role.REGISTER_OFFICER)


def accredited_caller(by=None):
    """A volunteer holding the caller role (designated: register.designations) and accredited."""
    user = staff_user(Role.VOLUNTEER)
    RoleGrant.objects.create(user=user, role=Role.CALLER)
    accreditation_grant(
        user=user,
        training_on=datetime.date(2026, 6, 1),
        undertaking_signed_on=datetime.date(2026, 6, 1),
        by=by or officer(),
    )
    return user


def campaign_for(episode, *, by=None, now=NOW, sms_wave=False, recall=None, **targeting):
    return campaign_create(
        episode=episode,
        by=by or officer(),
        targeting=Targeting(**targeting),
        now=now,
        sms_wave=sms_wave,
        recall=recall or rules.RecallRules(),
    )
