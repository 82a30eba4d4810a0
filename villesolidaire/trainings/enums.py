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
    states=SessionStatus,
    transitions={
        SessionStatus.PLANNED: {SessionStatus.HELD, SessionStatus.CANCELLED},
        SessionStatus.HELD: set(),
        SessionStatus.CANCELLED: set(),
    },
    log="trainings.SessionChange",
)

R = RegistrationStatus
REGISTRATION_WORKFLOW = Workflow(
    name="session_registration",
    states=RegistrationStatus,
    transitions={
        "": {R.REGISTERED, R.WAITING},
        R.REGISTERED: {R.CANCELLED, R.ATTENDED, R.ABSENT},
        R.WAITING: {R.REGISTERED, R.CANCELLED, R.ATTENDED, R.ABSENT},
        # Attendance can be corrected either way; a cancelled volunteer may register again.
        R.ATTENDED: {R.ABSENT},
        R.ABSENT: {R.ATTENDED},
        R.CANCELLED: {R.REGISTERED, R.WAITING},
    },
    labels={"": "nouvelle inscription"},
    log="trainings.RegistrationChange",
)
del R
