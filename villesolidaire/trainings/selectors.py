"""Reads for trainings: modules with their figures, holders, expiring trainings, a volunteer's trainings."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from villesolidaire.trainings.enums import ACTIVE_STATUSES
from villesolidaire.trainings.models import SessionRegistration, TrainingModule, TrainingSession, VolunteerTraining

EXPIRY_WARNING_DAYS = 60


def modules_with_figures(today: datetime.date | None = None):
    """Modules with their number of volunteers holding a valid training and of upcoming sessions."""
    today = today or timezone.localdate()
    valid = Q(holders__expires_on__isnull=True) | Q(holders__expires_on__gte=today)
    upcoming = TrainingSession.objects.upcoming().filter(module=OuterRef("pk"))
    return (
        TrainingModule.objects.annotate(
            holder_count=Count("holders__volunteer", filter=valid, distinct=True),
            has_upcoming=Exists(upcoming),
        )
        .prefetch_related("required_for_categories")
        .order_by("-is_active", "title", "pk")
    )


def _renewed_later(today: datetime.date):
    """Exists(): the same volunteer holds the same module beyond this row's expiry."""
    return Exists(
        VolunteerTraining.objects.filter(volunteer=OuterRef("volunteer"), module=OuterRef("module")).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
        )
    )


def holders(module: TrainingModule, today: datetime.date | None = None):
    """Valid trainings of the module, soonest expiry first (no expiry last)."""
    today = today or timezone.localdate()
    return (
        VolunteerTraining.objects.valid_on(today)
        .filter(module=module)
        .select_related("volunteer", "session")
        .order_by("volunteer__last_name", "volunteer__first_name", "-completed_on", "pk")
    )


def expiring_soon(module: TrainingModule, *, days: int = EXPIRY_WARNING_DAYS, today: datetime.date | None = None):
    """Trainings of the module ending within `days` days, unless the volunteer renewed it."""
    today = today or timezone.localdate()
    return (
        VolunteerTraining.objects.expiring_between(today, today + datetime.timedelta(days=days))
        .filter(module=module)
        .exclude(_renewed_later(today))
        .select_related("volunteer")
        .order_by("expires_on", "pk")
    )


def sessions_with_counts():
    return TrainingSession.objects.with_counts().select_related("module")


@dataclass
class VolunteerTrainingSummary:
    trainings: list
    registrations: list
    open_sessions: list


def volunteer_summary(
    volunteer, *, with_open_sessions: bool, now: datetime.datetime | None = None, open_limit: int = 10
) -> VolunteerTrainingSummary:
    """A volunteer's trainings (valid or not), upcoming registrations and, for the volunteer
    themself, the upcoming sessions they may still register for. Two or three queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    trainings = list(
        VolunteerTraining.objects.filter(volunteer=volunteer).select_related("module").order_by("-completed_on", "pk")
    )
    for training in trainings:
        training.is_valid = training.expires_on is None or training.expires_on >= today
        training.expires_soon = (
            training.is_valid
            and training.expires_on is not None
            and (training.expires_on <= today + datetime.timedelta(days=EXPIRY_WARNING_DAYS))
        )
    registrations = list(
        SessionRegistration.objects.filter(
            volunteer=volunteer, status__in=ACTIVE_STATUSES, session__in=TrainingSession.objects.upcoming(now)
        )
        .select_related("session__module")
        .order_by("session__starts_at", "pk")
    )
    open_sessions = []
    if with_open_sessions:
        taken = {registration.session_id for registration in registrations}
        open_sessions = [
            session
            for session in sessions_with_counts()
            .upcoming(now)
            .filter(module__is_active=True)
            .exclude(pk__in=taken)
            .order_by("starts_at", "pk")[:open_limit]
        ]
    return VolunteerTrainingSummary(trainings=trainings, registrations=registrations, open_sessions=open_sessions)


def session_registrations(session: TrainingSession):
    return session.registrations.select_related("volunteer").order_by("status", "registered_at", "pk")


def module_sessions(module: TrainingModule):
    return sessions_with_counts().filter(module=module).order_by("-starts_at", "-pk")


def volunteer_activity(*, since: datetime.datetime, sources: list) -> None:
    """Volunteers acting on trainings at or after `since` (volunteers.services.volunteer_activity):
    a session registration made or changed then, a session then or to come, a training followed then."""
    registrations = Q(registered_at__gte=since) | Q(updated_at__gte=since) | Q(session__starts_at__gte=since)
    sources.append(SessionRegistration.objects.filter(registrations).values("volunteer_id"))
    sources.append(
        VolunteerTraining.objects.filter(completed_on__gte=timezone.localdate(since)).values("volunteer_id")
    )
