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
    transitions={
        Status.REGISTERED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
        Status.ACTIVE: frozenset({Status.PAUSED, Status.RESERVE, Status.WITHDRAWN}),
        Status.PAUSED: frozenset({Status.ACTIVE, Status.RESERVE, Status.WITHDRAWN}),
        Status.RESERVE: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
        Status.WITHDRAWN: frozenset(),
    },
    labels=dict(Status.choices),
    log="volunteers.VolunteerStatusChange",
)
