"""Crisis episodes and the outreach call campaigns run during them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class EpisodeKind(models.TextChoices):
    HEATWAVE = "heatwave", "Canicule"
    COLD = "cold", "Grand froid"
    EPIDEMIC = "epidemic", "Épidémie"
    FLOOD = "flood", "Inondation"
    OTHER = "other", "Autre"


class EpisodeLevel(models.TextChoices):
    """Météo-France vigilance colours, used for every kind of episode."""

    YELLOW = "yellow", "Jaune"
    ORANGE = "orange", "Orange"
    RED = "red", "Rouge"


class EpisodeQuerySet(models.QuerySet):
    def ongoing(self, day):
        return self.filter(starts_on__lte=day).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day))


class Episode(models.Model):
    """A declared crisis (e.g. heatwave, orange level) over the whole town or some quartiers."""

    kind = models.CharField("type", max_length=12, choices=EpisodeKind.choices)
    level = models.CharField("niveau", max_length=8, choices=EpisodeLevel.choices)
    title = models.CharField("intitulé", max_length=120, blank=True)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin", null=True, blank=True, help_text="Laisser vide tant que l'épisode dure.")
    # Empty means the whole town.
    quartiers = models.ManyToManyField("territory.Quartier", blank=True, related_name="+", verbose_name="quartiers concernés")
    declared_at = models.DateTimeField("déclaré le", auto_now_add=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="déclaré par"
    )
    notes = models.TextField("remarques", blank=True, max_length=2000)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        verbose_name = "épisode"
        verbose_name_plural = "épisodes"
        ordering = ("-starts_on", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="episode_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        label = self.title or f"{self.get_kind_display()} {self.get_level_display().lower()}"
        return f"{label} — du {self.starts_on:%d/%m/%Y}"

    def clean(self):
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "La fin de l'épisode ne peut pas précéder son début."})

    def is_ongoing(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)
