"""Training modules volunteers follow, and the trainings each volunteer holds."""

import datetime

from django.db import models
from django.utils import timezone


class TrainingMode(models.TextChoices):
    ONLINE = "online", "En ligne"
    IN_PERSON = "in_person", "En présentiel"


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

    class Meta:
        verbose_name = "module de formation"
        verbose_name_plural = "modules de formation"
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class VolunteerTrainingQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date | None = None):
        """Trainings still valid on `day` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day))


class VolunteerTraining(models.Model):
    """A volunteer holds a module from `completed_on` until `expires_on` (none: no expiry)."""

    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="trainings")
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="holders")
    completed_on = models.DateField("suivie le")
    expires_on = models.DateField("valable jusqu'au", null=True, blank=True)

    objects = VolunteerTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = "formation suivie"
        verbose_name_plural = "formations suivies"
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "module", "completed_on"], name="trainings_held_once_per_day"),
        ]
        indexes = [models.Index(fields=["module", "volunteer"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} — {self.module}"
