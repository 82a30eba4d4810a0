"""Volunteers inactive for a long time are told, then anonymised unless they come back
(issue 10, docs/volunteers.md « Inactivité »). Run daily by `manage.py anonymise_inactive_volunteers`.

A volunteer is active at or after a moment when, from then on, they signed up, were validated,
signed in (`User.last_login`: a magic link or the staff sign-in), had a status change, or when an
upper app saw them act (`services.volunteer_activity`): a mission scheduled or done, a support still
going on, a shift sign-up or a shift, a training session or a training recorded, an answer to an
offer. A profile edit needs a sign-in, so it counts through `last_login`.

One run, in this order:
1. a notice with activity since it is cleared (the volunteer came back);
2. a notice given VS_VOLUNTEER_NOTICE_DAYS days ago or more, with no activity since, ends in the
   withdrawal of the volunteer (`volunteer_change_status`, which anonymises them, frees their
   seats, drops their matching row and ends their sign-in);
3. a volunteer without activity for VS_VOLUNTEER_INACTIVE_MONTHS months and not yet told is told,
   with the date of the anonymisation.
Each step reads the current state, so a second run the same day does nothing.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.dates import add_months
from villesolidaire.core.tenancy import site_url
from villesolidaire.notifications.services import contact_send
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer, VolunteerStatusChange
from villesolidaire.volunteers.services import town_context, volunteer_activity, volunteer_change_status

logger = logging.getLogger(__name__)

NOTICE_KIND = "volunteer_inactivity_notice"
ANONYMISATION_NOTE = "Anonymisation après une longue inactivité, sans retour après le préavis"


@dataclass
class InactivityRun:
    """What one run did (or, dry, would do): counts only, nothing personal."""

    cleared: int = 0
    anonymised: int = 0
    noticed: int = 0
    dry_run: bool = False


def activity_sources(since: datetime) -> list[QuerySet]:
    """Querysets of the ids of the volunteers active at or after `since`: this app's, then those
    the upper apps add through the hook."""
    sources: list[QuerySet] = [
        Volunteer.objects.filter(
            Q(created_at__gte=since) | Q(validated_at__gte=since) | Q(user__last_login__gte=since)
        ).values("pk"),
        VolunteerStatusChange.objects.filter(at__gte=since).values("volunteer_id"),
    ]
    volunteer_activity.run(since=since, sources=sources)
    return sources


def without_activity_since(volunteers: QuerySet, since: datetime) -> QuerySet:
    """`volunteers` minus those active at or after `since` (one statement with subqueries)."""
    for source in activity_sources(since):
        volunteers = volunteers.exclude(pk__in=source)
    return volunteers


def inactive_volunteers(now: datetime | None = None) -> QuerySet:
    """Volunteers still on the books with no activity for VS_VOLUNTEER_INACTIVE_MONTHS months."""
    now = now or timezone.now()
    cutoff = add_months(now, -settings.VS_VOLUNTEER_INACTIVE_MONTHS)
    return without_activity_since(Volunteer.objects.not_withdrawn().filter(anonymised_at__isnull=True), cutoff)


def anonymisation_day(notice_at: datetime) -> date:
    """The day the anonymisation is announced for: the notice's local day plus the notice period."""
    return timezone.localdate(notice_at) + timedelta(days=settings.VS_VOLUNTEER_NOTICE_DAYS)


def inactivity_run(*, now: datetime | None = None, dry_run: bool = False) -> InactivityRun:
    now = now or timezone.now()
    run = InactivityRun(dry_run=dry_run)
    noticed = Volunteer.objects.not_withdrawn().filter(inactivity_notice_at__isnull=False)
    # Volunteers told in one run share its instant: one activity check per run that gave notices.
    for notice_at in noticed.values_list("inactivity_notice_at", flat=True).distinct().order_by():
        told_then = noticed.filter(inactivity_notice_at=notice_at)
        came_back = told_then.exclude(pk__in=without_activity_since(told_then, notice_at).values("pk"))
        run.cleared += came_back.count() if dry_run else came_back.update(inactivity_notice_at=None)
        if anonymisation_day(notice_at) <= timezone.localdate(now):
            for volunteer in without_activity_since(told_then, notice_at):
                if not dry_run:
                    volunteer_change_status(
                        volunteer=volunteer, to_status=Status.WITHDRAWN, by=None, reason=ANONYMISATION_NOTE
                    )
                run.anonymised += 1
    to_tell = inactive_volunteers(now).filter(inactivity_notice_at__isnull=True)
    if dry_run:
        run.noticed = to_tell.count()
    else:
        for volunteer in to_tell.select_related("user").iterator(chunk_size=500):
            _notice_send(volunteer, now)
            run.noticed += 1
    logger.info(
        "Inactive volunteers: %s notice(s) cleared, %s anonymised, %s noticed%s",
        run.cleared,
        run.anonymised,
        run.noticed,
        " (dry run, nothing changed)" if dry_run else "",
        extra={
            "job": "anonymise_inactive_volunteers",
            "cleared": run.cleared,
            "anonymised": run.anonymised,
            "noticed": run.noticed,
            "dry_run": dry_run,
        },
    )
    return run


@transaction.atomic
def _notice_send(volunteer: Volunteer, now: datetime) -> None:
    """Record the notice and queue its message (sent after commit). A volunteer with no contact
    left still gets the notice date: the anonymisation follows the same delay."""
    updated = Volunteer.objects.filter(pk=volunteer.pk, inactivity_notice_at__isnull=True).update(
        inactivity_notice_at=now
    )
    if not updated:
        return  # another run told them meanwhile
    # The sign-in page, not a sign-in link: after years, a number or address may have changed hands.
    context = {
        "volunteer": volunteer,
        "anonymisation_day": anonymisation_day(now),
        "sign_in_url": f"{site_url()}{reverse('volunteers:magic_link_request')}",
        **town_context(),
    }
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject="Votre compte de volontaire va être anonymisé",
        email_template="volunteers/messages/inactivity_notice_email.txt",
        sms_template="volunteers/messages/inactivity_notice_sms.txt",
        context=context,
        kind=NOTICE_KIND,
    )
