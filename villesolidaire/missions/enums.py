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
        MissionStatus.PLANNED: {MissionStatus.DONE, MissionStatus.MISSED, MissionStatus.CANCELLED},
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
