"""Reads for missions that other apps' services ask for."""

import datetime

from django.db.models import Q

from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import Mission, Support


def volunteer_activity(*, since: datetime.datetime, sources: list) -> None:
    """Volunteers acting in a support at or after `since` (volunteers.services.volunteer_activity):
    a mission scheduled or done then, a support started then or still going on."""
    sources.append(
        Mission.objects.filter(Q(scheduled_at__gte=since) | Q(done_at__gte=since)).values("support__volunteer_id")
    )
    sources.append(
        Support.objects.filter(Q(started_at__gte=since) | Q(status=SupportStatus.ACTIVE)).values("volunteer_id")
    )
