"""Crisis episodes: a declared heatwave, cold spell, epidemic or flood over the town or some quartiers.

The app sits low in the stack (just above territory) so that requests, supports, missions and
needs can say during which episode they were raised; the call campaigns run during an episode
stay in `campaigns`. The tables keep the names they had there (decision 0013).
"""

from django.core.exceptions import ValidationError
from django.db import models

from villesolidaire.core.fields import user_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields


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


class EpisodeStatus(models.TextChoices):
    ONGOING = "ongoing", "En cours"
    CLOSED = "closed", "Clos"


EPISODE_WORKFLOW = Workflow(
    name="episode",
    states=EpisodeStatus,
    transitions={EpisodeStatus.ONGOING: {EpisodeStatus.CLOSED}, EpisodeStatus.CLOSED: set()},
    log="crises.EpisodeTransition",
)


class EpisodeQuerySet(models.QuerySet):
    def ongoing(self, day):
        """Episodes whose dates include `day` (an episode without an end date lasts)."""
        return self.filter(starts_on__lte=day).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day))

    def covering(self, quartier):
        """Episodes over the whole town (no quartier set) or over `quartier` (an id or a Quartier).
        Without a quartier, only the episodes over the whole town cover a place."""
        whole_town = ~models.Exists(Episode.quartiers.through.objects.filter(episode_id=models.OuterRef("pk")))
        if quartier is None:
            return self.filter(whole_town)
        quartier_id = getattr(quartier, "pk", quartier)
        over_quartier = models.Exists(
            Episode.quartiers.through.objects.filter(episode_id=models.OuterRef("pk"), quartier_id=quartier_id)
        )
        return self.filter(whole_town | over_quartier)


class Episode(models.Model):
    """A declared crisis (e.g. heatwave, orange level) over the whole town or some quartiers."""

    kind = models.CharField("type", max_length=12, choices=EpisodeKind.choices)
    level = models.CharField("niveau", max_length=8, choices=EpisodeLevel.choices)
    title = models.CharField("intitulé", max_length=120, blank=True)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin", null=True, blank=True, help_text="Laisser vide tant que l'épisode dure.")
    # Empty means the whole town.
    quartiers = models.ManyToManyField(
        "territory.Quartier",
        blank=True,
        related_name="+",
        verbose_name="quartiers concernés",
        db_table="campaigns_episode_quartiers",
    )
    declared_at = models.DateTimeField("déclaré le", auto_now_add=True)
    declared_by = user_reference("déclaré par")
    notes = models.TextField("remarques", blank=True, max_length=2000)
    status = models.CharField("état", max_length=8, choices=EpisodeStatus.choices, default=EpisodeStatus.ONGOING)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        db_table = "campaigns_episode"  # born in campaigns, moved without a table copy (decision 0013)
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


class EpisodeTransition(TransitionLog):
    episode, from_status, to_status = log_fields(Episode)

    class Meta(TransitionLog.Meta):
        db_table = "campaigns_episodetransition"
