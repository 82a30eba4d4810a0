"""Statuses and workflows of training sessions and registrations."""

from django.db import models

from villesolidaire.core.workflow import Workflow


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    HELD = "held", "Tenue"
    CANCELLED = "cancelled", "Annulée"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Inscrit·e"
    WAITING = "waiting", "Liste d'attente"
    ATTENDED = "attended", "Présent·e"
    ABSENT = "absent", "Absent·e"
    CANCELLED = "cancelled", "Désinscrit·e"


# Registrations that hold a seat: the capacity counts them.
SEAT_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED, RegistrationStatus.ABSENT)
# Registrations still expecting the session (shown as "upcoming" to the volunteer).
ACTIVE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)

SESSION_WORKFLOW = Workflow(
    name="training_session",
    transitions={
        SessionStatus.PLANNED: frozenset({SessionStatus.HELD, SessionStatus.CANCELLED}),
        SessionStatus.HELD: frozenset(),
        SessionStatus.CANCELLED: frozenset(),
    },
    labels=dict(SessionStatus.choices),
    log="trainings.SessionChange",
)

R = RegistrationStatus
REGISTRATION_WORKFLOW = Workflow(
    name="session_registration",
    transitions={
        "": frozenset({R.REGISTERED, R.WAITING}),
        R.REGISTERED: frozenset({R.CANCELLED, R.ATTENDED, R.ABSENT}),
        R.WAITING: frozenset({R.REGISTERED, R.CANCELLED, R.ATTENDED, R.ABSENT}),
        # Attendance can be corrected either way; a cancelled volunteer may register again.
        R.ATTENDED: frozenset({R.ABSENT}),
        R.ABSENT: frozenset({R.ATTENDED}),
        R.CANCELLED: frozenset({R.REGISTERED, R.WAITING}),
    },
    labels={"": "nouvelle inscription", **dict(RegistrationStatus.choices)},
    log="trainings.RegistrationChange",
)
del R
