from django.db import models

from villesolidaire.core.workflow import Workflow


class SupportKind(models.TextChoices):
    ONE_OFF = "one_off", "Ponctuel"
    RECURRING = "recurring", "Régulier"


class SupportStatus(models.TextChoices):
    ACTIVE = "active", "En cours"
    ENDED = "ended", "Terminé"


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
    transitions={
        MissionStatus.PLANNED: frozenset({MissionStatus.DONE, MissionStatus.MISSED, MissionStatus.CANCELLED}),
        MissionStatus.DONE: frozenset(),
        MissionStatus.MISSED: frozenset({MissionStatus.PLANNED}),
        MissionStatus.CANCELLED: frozenset(),
    },
    labels=dict(MissionStatus.choices),
    log="missions.MissionTransition",
)


SUPPORT_WORKFLOW = Workflow(
    name="support",
    transitions={
        SupportStatus.ACTIVE: frozenset({SupportStatus.ENDED}),
        SupportStatus.ENDED: frozenset(),
    },
    labels=dict(SupportStatus.choices),
    log="missions.SupportTransition",
)
