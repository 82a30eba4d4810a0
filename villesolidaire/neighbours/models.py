"""Neighbour networks ("voisins relais", "immeubles solidaires").

A building or a street has a referent volunteer who keeps an eye on the neighbours who agreed
to it. The referent only ever sees neighbours whose consent is current; everything else
(neighbours without consent, the consent history) is for the CCAS coordinators.
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from villesolidaire.core.fields import optional_reference, user_reference
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.help_requests.enums import Urgency
from villesolidaire.neighbours.enums import (
    NETWORK_WORKFLOW,
    ConsentAction,
    ConsentMethod,
    NetworkKind,
    NetworkStatus,
)
from villesolidaire.territory.models import Located
from villesolidaire.volunteers.enums import Status as VolunteerStatus

MAX_COUNT = 5000


def _count_of(model, *, condition: models.Q | None = None) -> models.Subquery:
    """COUNT of related rows as a subquery: several counts on one list never multiply rows."""
    rows = model.objects.filter(network=models.OuterRef("pk"))
    if condition is not None:
        rows = rows.filter(condition)
    counted = rows.order_by().values("network").annotate(total=models.Count("pk")).values("total")
    return Coalesce(models.Subquery(counted, output_field=models.IntegerField()), 0)


CURRENT_CONSENT = models.Q(consent_given_at__isnull=False, consent_withdrawn_at__isnull=True)


class NetworkQuerySet(models.QuerySet):
    def with_list_data(self):
        last_visit = (
            StateRecord.objects.filter(network=models.OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
        )
        return self.select_related("quartier", "referent", "co_referent").annotate(
            neighbour_count=_count_of(Neighbour),
            consenting_count=_count_of(Neighbour, condition=CURRENT_CONSENT),
            open_alert_count=_count_of(Alert, condition=models.Q(help_request__isnull=True, handled_at__isnull=True)),
            last_visit=models.Subquery(last_visit, output_field=models.DateField()),
        )

    def open(self):
        return self.exclude(status=NetworkStatus.CLOSED)

    def for_referent(self, volunteer):
        """Networks a volunteer leads (referent or co-referent): none unless the volunteer is active."""
        if volunteer is None or volunteer.status != VolunteerStatus.ACTIVE:
            return self.none()
        return self.open().filter(models.Q(referent=volunteer) | models.Q(co_referent=volunteer))


class Network(Located):
    """A building or a street where neighbours look out for each other."""

    name = models.CharField("nom", max_length=120)
    kind = models.CharField("type", max_length=10, choices=NetworkKind.choices, default=NetworkKind.BUILDING)
    referent = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="référent·e",
    )
    co_referent = models.ForeignKey(
        "volunteers.Volunteer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="co-référent·e",
    )
    status = models.CharField(
        "statut", max_length=8, choices=NetworkStatus.choices, default=NetworkStatus.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)
    created_by = user_reference("créé par")

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = "réseau de voisinage"
        verbose_name_plural = "réseaux de voisinage"
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(co_referent__isnull=True) | ~models.Q(co_referent=models.F("referent")),
                name="network_co_referent_differs",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_transitions(self) -> list[tuple[str, str]]:
        return NETWORK_WORKFLOW.allowed_choices(self.status)

    @property
    def is_active(self) -> bool:
        return self.status == NetworkStatus.ACTIVE


class NetworkStatusChange(TransitionLog):
    network, from_status, to_status = log_fields(Network, related_name="status_changes")


class NeighbourQuerySet(models.QuerySet):
    def consenting(self):
        """Neighbours whose consent is current: the only ones a referent may ever see."""
        return self.filter(CURRENT_CONSENT)


class Neighbour(models.Model):
    """A person living in the building or street, followed by the referent once they agree."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="neighbours", verbose_name="réseau")
    first_name = models.CharField("prénom", max_length=80)
    last_name = models.CharField("nom", max_length=80)
    location = models.CharField(
        "étage, porte ou numéro",
        max_length=60,
        blank=True,
        help_text="Immeuble : étage et porte (ex. 3e gauche). Rue : numéro (ex. 12 bis).",
    )
    phone = PhoneNumberField("téléphone fixe", blank=True)
    mobile = PhoneNumberField("téléphone mobile", blank=True)
    resident = optional_reference("residents.Resident", "fiche habitant·e")
    consent_given_at = models.DateTimeField("accord donné le", null=True, blank=True)
    consent_method = models.CharField("forme de l'accord", max_length=10, choices=ConsentMethod.choices, blank=True)
    consent_recorded_by = user_reference("accord enregistré par")
    consent_withdrawn_at = models.DateTimeField("accord retiré le", null=True, blank=True)
    created_at = models.DateTimeField("ajouté·e le", default=timezone.now)
    created_by = user_reference()

    objects = NeighbourQuerySet.as_manager()

    class Meta:
        verbose_name = "voisin·e"
        verbose_name_plural = "voisin·es"
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_given_at__isnull=True) | ~models.Q(consent_method=""),
                name="neighbour_consent_has_method",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_withdrawn_at__isnull=True) | models.Q(consent_given_at__isnull=False),
                name="neighbour_withdrawal_after_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None

    @property
    def contact_phone(self):
        return self.mobile or self.phone or None


class ConsentEvent(models.Model):
    """History of a neighbour's consent: each time it is given or withdrawn, by whom, when."""

    neighbour = models.ForeignKey(Neighbour, on_delete=models.CASCADE, related_name="consent_events")
    action = models.CharField("action", max_length=10, choices=ConsentAction.choices)
    method = models.CharField("forme", max_length=10, choices=ConsentMethod.choices, blank=True)
    effective_at = models.DateTimeField("date de l'accord ou du retrait")
    note = models.CharField("précision", max_length=300, blank=True)
    by = user_reference()
    at = models.DateTimeField("enregistré le", default=timezone.now)

    class Meta:
        verbose_name = "accord (historique)"
        verbose_name_plural = "accords (historique)"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_action_display()


class StateRecord(models.Model):
    """« État des lieux / état des liens »: what the place is like and who knows whom, at one visit.

    Records are never edited: each visit adds one, so the history shows how the links evolve.
    """

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="state_records", verbose_name="réseau")
    visited_on = models.DateField("date de la visite")
    author = user_reference("rédigé par")
    author_label = models.CharField("rédigé par", max_length=170, blank=True)
    households_count = models.PositiveSmallIntegerField(
        "foyers", null=True, blank=True, validators=[MaxValueValidator(MAX_COUNT)]
    )
    living_alone_count = models.PositiveSmallIntegerField(
        "personnes vivant seules", null=True, blank=True, validators=[MaxValueValidator(MAX_COUNT)]
    )
    isolated_count = models.PositiveSmallIntegerField(
        "personnes isolées", null=True, blank=True, validators=[MaxValueValidator(MAX_COUNT)]
    )
    place_notes = models.TextField("le lieu", max_length=2000, blank=True)
    existing_links = models.TextField("liens existants", max_length=2000, blank=True)
    missing_links = models.TextField("liens manquants", max_length=2000, blank=True)
    needs_spotted = models.TextField("besoins repérés", max_length=2000, blank=True)
    notes = models.TextField("notes libres", max_length=2000, blank=True)
    created_at = models.DateTimeField("enregistré le", default=timezone.now)

    class Meta:
        verbose_name = "état des lieux et des liens"
        verbose_name_plural = "états des lieux et des liens"
        ordering = ["-visited_on", "-pk"]
        constraints = [
            # One record per visit: a double click or two tabs cannot file the same visit twice.
            models.UniqueConstraint(fields=["network", "visited_on"], name="state_record_one_per_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.network} — {self.visited_on:%d/%m/%Y}"


class AlertQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related(
            "network", "neighbour", "raised_by", "help_request", "help_request__resident", "handled_by"
        )

    def to_handle(self):
        """Alerts that became no help request and that nobody has dealt with yet."""
        return self.filter(help_request__isnull=True, handled_at__isnull=True)


class Alert(models.Model):
    """Raised by a referent. About a neighbour, it becomes a help request for the coordinators."""

    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="alerts", verbose_name="réseau")
    neighbour = models.ForeignKey(
        Neighbour, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts", verbose_name="voisin·e"
    )
    raised_by = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="+", verbose_name="signalée par"
    )
    raised_at = models.DateTimeField("signalée le", default=timezone.now, db_index=True)
    text = models.TextField("message", max_length=1500)
    urgency = models.CharField("urgence", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    help_request = models.OneToOneField(
        "help_requests.HelpRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="neighbour_alert",
        verbose_name="demande d'aide créée",
    )
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)
    handled_by = user_reference("traitée par")

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "alerte"
        verbose_name_plural = "alertes"
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"Alerte du {self.raised_at:%d/%m/%Y} — {self.network}"
