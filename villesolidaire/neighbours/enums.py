from django.db import models

from villesolidaire.core.workflow import Workflow


class NetworkKind(models.TextChoices):
    BUILDING = "building", "Immeuble"
    STREET = "street", "Rue"


class NetworkStatus(models.TextChoices):
    ACTIVE = "active", "Actif"
    PAUSED = "paused", "En pause"
    CLOSED = "closed", "Fermé"


class ConsentMethod(models.TextChoices):
    ORAL_CCAS = "oral_ccas", "Accord oral donné au CCAS"
    WRITTEN = "written", "Accord écrit"


class ConsentAction(models.TextChoices):
    GIVEN = "given", "Accord recueilli"
    WITHDRAWN = "withdrawn", "Accord retiré"


NETWORK_WORKFLOW = Workflow(
    name="neighbour_network",
    states=NetworkStatus,
    transitions={
        NetworkStatus.ACTIVE: {NetworkStatus.PAUSED, NetworkStatus.CLOSED},
        NetworkStatus.PAUSED: {NetworkStatus.ACTIVE, NetworkStatus.CLOSED},
        # A closed network keeps its history; a new network is opened if the place starts again.
        NetworkStatus.CLOSED: set(),
    },
    log="neighbours.NetworkStatusChange",
)
