"""Training modules, their sessions and registrations, and the trainings each volunteer holds.

A help category may require modules (`TrainingModule.required_for_categories`): matching then
only proposes volunteers holding a valid training of each. Each module owns a `bit` in the
matching index (VolunteerMatchProfile.trainings_mask), like HelpCategory.bit.
"""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from villesolidaire.core.dates import add_months
from villesolidaire.core.fields import MAX_INDEX_BIT, index_bit_field, optional_reference, token_field, user_reference
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.trainings.enums import ACTIVE_STATUSES, SEAT_STATUSES, RegistrationStatus, SessionStatus

MAX_BIT = MAX_INDEX_BIT


class TrainingMode(models.TextChoices):
    ONLINE = "online", "En ligne"
    IN_PERSON = "in_person", "En présentiel"


class NoFreeBit(Exception):
    """Every bit of the matching index is taken by a module."""


class TrainingModuleQuerySet(models.QuerySet):
    def free_bit(self) -> int:
        taken = set(self.model.objects.values_list("bit", flat=True))
        for bit in range(MAX_BIT + 1):
            if bit not in taken:
                return bit
        raise NoFreeBit(f"{MAX_BIT + 1} modules au plus : supprimez un module qui ne sert plus.")


class TrainingModule(models.Model):
    title = models.CharField("intitulé", max_length=150)
    description = models.TextField("description", max_length=5000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=60)
    mode = models.CharField("modalité", max_length=12, choices=TrainingMode.choices, default=TrainingMode.IN_PERSON)
    link = models.URLField("lien du module en ligne", blank=True)
    validity_months = models.PositiveSmallIntegerField(
        "validité (mois)", null=True, blank=True, help_text="Vide : la formation reste valable sans limite."
    )
    is_active = models.BooleanField("proposée", default=True)
    bit = index_bit_field(
        editable=False, help_text="Attribuée automatiquement : numéro du module dans l'index de mise en relation."
    )
    required_for_categories = models.ManyToManyField(
        "help_requests.HelpCategory",
        blank=True,
        related_name="required_trainings",
        verbose_name="exigée pour les aides",
        help_text="Seul·es les volontaires qui ont suivi ce module (et dont la formation est valable) "
        "sont proposé·es pour ces aides.",
    )

    objects = TrainingModuleQuerySet.as_manager()

    class Meta:
        verbose_name = "module de formation"
        verbose_name_plural = "modules de formation"
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # Every module gets a bit when first saved, whichever way it is created (pages, admin, demo).
        if self.bit is None:
            self.bit = TrainingModule.objects.free_bit()
        super().save(*args, **kwargs)

    @property
    def mask(self) -> int:
        return 1 << self.bit

    @property
    def is_online(self) -> bool:
        return self.mode == TrainingMode.ONLINE

    def expiry_for(self, completed_on: datetime.date) -> datetime.date | None:
        if not self.validity_months:
            return None
        return add_months(completed_on, self.validity_months)


class VolunteerTrainingQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date | None = None):
        """Trainings still valid on `day` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day))

    def expiring_between(self, start: datetime.date, end: datetime.date):
        """Trainings whose last valid day falls between `start` and `end` (both included)."""
        return self.filter(expires_on__gte=start, expires_on__lte=end)


class VolunteerTraining(models.Model):
    """A volunteer holds a module from `completed_on` until `expires_on` (none: no expiry)."""

    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="trainings")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="holders")
    completed_on = models.DateField("suivie le")
    expires_on = models.DateField("valable jusqu'au", null=True, blank=True)
    session = optional_reference("TrainingSession", "session", related_name="trainings_given")
    recorded_by = user_reference("enregistrée par")
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)

    objects = VolunteerTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "formation suivie"
        verbose_name_plural = "formations suivies"
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "module", "completed_on"], name="trainings_held_once_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["module", "volunteer"]),
            # The daily index refresh reads the trainings that expired on a given day.
            models.Index(fields=["expires_on"], name="training_expires_on"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} — {self.module}"


class TrainingSessionQuerySet(models.QuerySet):
    def upcoming(self, now: datetime.datetime | None = None):
        return self.filter(status=SessionStatus.PLANNED, starts_at__gt=now or timezone.now())

    def with_counts(self):
        return self.annotate(
            seats_taken=models.Count("registrations", filter=models.Q(registrations__status__in=SEAT_STATUSES)),
            waiting_count=models.Count(
                "registrations", filter=models.Q(registrations__status=RegistrationStatus.WAITING)
            ),
        )


class TrainingSession(models.Model):
    module = models.ForeignKey(
        TrainingModule, on_delete=models.PROTECT, related_name="sessions", verbose_name="module"
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    place = models.CharField(
        "lieu", max_length=300, blank=True, help_text="Adresse de la salle (sessions en présentiel)."
    )
    online_link = models.URLField("lien de la visioconférence", blank=True, help_text="Sessions à distance.")
    capacity = models.PositiveSmallIntegerField(
        "places", default=12, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    status = models.CharField(
        "statut", max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED, db_index=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = user_reference()

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session de formation"
        verbose_name_plural = "sessions de formation"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["module", "status", "starts_at"], name="session_module_status_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_has_places"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.module} — {local:%d/%m/%Y %H:%M}"

    @property
    def day(self) -> datetime.date:
        return timezone.localdate(self.starts_at)


class SessionChange(TransitionLog):
    session, from_status, to_status = log_fields(TrainingSession, related_name="changes")

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut de session"
        verbose_name_plural = "historique des sessions"


class SessionRegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class SessionRegistration(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="registrations")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="training_registrations"
    )
    status = models.CharField("statut", max_length=10, choices=RegistrationStatus.choices)
    registered_at = models.DateTimeField("inscrit·e le", default=timezone.now)
    invited_at = models.DateTimeField("invité·e le", null=True, blank=True)
    updated_at = models.DateTimeField("mise à jour le", default=timezone.now)

    objects = SessionRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription à une session"
        verbose_name_plural = "inscriptions aux sessions"
        ordering = ["registered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "volunteer"], name="registration_once_per_session")]
        indexes = [models.Index(fields=["volunteer", "status"], name="registration_volunteer_status")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} — {self.session} ({self.get_status_display()})"


class RegistrationChange(TransitionLog):
    registration, from_status, to_status = log_fields(SessionRegistration, related_name="changes")

    class Meta(TransitionLog.Meta):
        verbose_name = "changement d'inscription"
        verbose_name_plural = "historique des inscriptions"


class TrainingInvitation(models.Model):
    """An invitation sent to a volunteer: its token opens a page, without login, to register
    for one of the module's upcoming sessions."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="training_invitations"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="invitations")
    session = optional_reference(TrainingSession, "session proposée", related_name="invitations")
    token_hash = token_field()
    created_at = models.DateTimeField("envoyée le", default=timezone.now)
    created_by = user_reference()
    registration = optional_reference(SessionRegistration, "inscription obtenue")

    class Meta:
        verbose_name = "invitation à une formation"
        verbose_name_plural = "invitations aux formations"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation de {self.volunteer_id} — {self.module}"
