from django.db import models

from villesolidaire.core.workflow import Workflow


class Status(models.TextChoices):
    REGISTERED = "registered", "Inscrit·e"
    ACTIVE = "active", "Actif·ve"
    PAUSED = "paused", "En pause"
    RESERVE = "reserve", "En réserve"
    WITHDRAWN = "withdrawn", "Désisté·e"


WORKFLOW = Workflow(
    name="volunteer",
    states=Status,
    transitions={
        Status.REGISTERED: {Status.ACTIVE, Status.WITHDRAWN},
        Status.ACTIVE: {Status.PAUSED, Status.RESERVE, Status.WITHDRAWN},
        Status.PAUSED: {Status.ACTIVE, Status.RESERVE, Status.WITHDRAWN},
        Status.RESERVE: {Status.ACTIVE, Status.WITHDRAWN},
        Status.WITHDRAWN: set(),
    },
    log="volunteers.VolunteerStatusChange",
)
