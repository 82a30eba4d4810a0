"""Calls to the single number, as the town's telephony reports them (docs/telephony.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import optional_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields


class CallState(models.TextChoices):
    RINGING = "ringing", "Sonne"
    ANSWERED = "answered", "Décroché"
    ENDED = "ended", "Terminé"
    MISSED = "missed", "Manqué"


# A call still on an operator's screen: ringing, or answered and not yet hung up.
LIVE_STATES = (CallState.RINGING, CallState.ANSWERED)
CALL_WORKFLOW = Workflow(
    name="call",
    states=CallState,
    transitions={
        CallState.RINGING: {CallState.ANSWERED, CallState.MISSED, CallState.ENDED},
        CallState.ANSWERED: {CallState.ENDED},
        CallState.ENDED: set(),
        CallState.MISSED: set(),
    },
    log="telephony.CallTransition",
    status_field="state",
)


class CallQuerySet(models.QuerySet):
    def live_for(self, user, since):
        """Calls to show on this operator's screen: live, recent, for their extension or for nobody's
        in particular (a switchboard that does not say who answers)."""
        line = getattr(user, "operator_line", None)
        lines = models.Q(extension="")
        if line is not None:
            lines |= models.Q(extension=line.extension)
        return self.filter(lines, state__in=LIVE_STATES, updated_at__gte=since).order_by("-updated_at", "-pk")


class Call(models.Model):
    provider = models.CharField("opérateur téléphonique", max_length=20)
    call_id = models.CharField("identifiant de l'appel", max_length=120)
    # E.164 when the number is given; empty for a withheld number.
    caller = models.CharField("numéro appelant", max_length=20, blank=True)
    called = models.CharField("numéro appelé", max_length=20, blank=True)
    extension = models.CharField("poste", max_length=20, blank=True, db_index=True)
    state = models.CharField("état", max_length=10, choices=CallState.choices, default=CallState.RINGING)
    resident = optional_reference("residents.Resident", "fiche", related_name="calls")
    call_task = optional_reference("notifications.CallTask", "appel à rendre")
    started_at = models.DateTimeField("début", default=timezone.now)
    updated_at = models.DateTimeField("dernier événement", default=timezone.now, db_index=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "appel entrant"
        verbose_name_plural = "appels entrants"
        ordering = ["-started_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["provider", "call_id"], name="telephony_call_unique")]

    def __str__(self) -> str:
        return f"Appel {self.call_id} ({self.get_state_display()})"


class CallTransition(TransitionLog):
    call, from_status, to_status = log_fields(Call, status_field="state")


class OperatorLine(models.Model):
    """The extension an operator answers on: their screen shows the calls ringing there."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_line")
    extension = models.CharField("poste", max_length=20, unique=True)

    class Meta:
        verbose_name = "poste d'opérateur·rice"
        verbose_name_plural = "postes des opérateur·rices"

    def __str__(self) -> str:
        return f"{self.user} — poste {self.extension}"
