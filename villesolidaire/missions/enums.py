from django.db import models

from villesolidaire.core.workflow import Workflow


class SupportKind(models.TextChoices):
    ONE_OFF = "one_off", "Ponctuel"
    RECURRING = "recurring", "Régulier"


class SupportStatus(models.TextChoices):
    ACTIVE = "active", "En cours"
    ENDED = "ended", "Terminé"
    HANDED_OVER = "handed_over", "Transmis à une association"


class MissionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    DONE = "done", "Réalisée"
    MISSED = "missed", "Manquée"
    CANCELLED = "cancelled", "Annulée"


class MissedReason(models.TextChoices):
    """Why a mission did not take place, as the volunteer reports it (told to the resident as such)."""

    RESIDENT_ABSENT = "absent", "La personne n'était pas là"
    RESIDENT_CANCELLED = "resident", "La personne a annulé"
    VOLUNTEER_PREVENTED = "volunteer", "J'ai eu un empêchement"
    OTHER = "other", "Autre raison"


class RescheduleStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"


class EvaluationAuthor(models.TextChoices):
    RESIDENT = "resident", "Habitant·e"
    VOLUNTEER = "volunteer", "Volontaire"


class EvaluationChannel(models.TextChoices):
    CALL = "call", "Appel téléphonique"
    SMS = "sms", "Réponse par SMS"
    VISIT = "visit", "Visite ou accueil"
    ONLINE = "online", "En ligne (lien)"


MISSION_WORKFLOW = Workflow(
    name="mission",
    states=MissionStatus,
    transitions={
        # planned → planned: the mission is moved to another date (a volunteer's request accepted).
        MissionStatus.PLANNED: {
            MissionStatus.PLANNED,
            MissionStatus.DONE,
            MissionStatus.MISSED,
            MissionStatus.CANCELLED,
        },
        MissionStatus.DONE: set(),
        MissionStatus.MISSED: {MissionStatus.PLANNED},
        MissionStatus.CANCELLED: set(),
    },
    log="missions.MissionTransition",
)


SUPPORT_WORKFLOW = Workflow(
    name="support",
    states=SupportStatus,
    transitions={
        SupportStatus.ACTIVE: {SupportStatus.ENDED, SupportStatus.HANDED_OVER},
        SupportStatus.ENDED: set(),
        SupportStatus.HANDED_OVER: set(),
    },
    log="missions.SupportTransition",
)


RESCHEDULE_WORKFLOW = Workflow(
    name="reschedule",
    states=RescheduleStatus,
    transitions={
        RescheduleStatus.PENDING: {RescheduleStatus.ACCEPTED, RescheduleStatus.REFUSED},
        RescheduleStatus.ACCEPTED: set(),
        RescheduleStatus.REFUSED: set(),
    },
    log="missions.RescheduleTransition",
)
