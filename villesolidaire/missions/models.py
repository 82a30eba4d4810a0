from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import amount_field, user_reference
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.missions.enums import (
    EvaluationAuthor,
    EvaluationChannel,
    MissionStatus,
    SupportKind,
    SupportStatus,
)


class SupportQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("volunteer", "resident", "help_request__category")

    def for_volunteer(self, volunteer):
        return self.filter(volunteer=volunteer)

    def with_money_summary(self):
        """Amount advanced on done missions and how much of it is still to reimburse."""
        advanced = models.Q(missions__status=MissionStatus.DONE, missions__amount_advanced__gt=0)
        return self.annotate(
            amount_advanced_total=models.Sum("missions__amount_advanced", filter=advanced),
            amount_to_reimburse=models.Sum(
                "missions__amount_advanced", filter=advanced & models.Q(missions__reimbursed=False)
            ),
        )


class Support(models.Model):
    """A lasting pairing volunteer ↔ resident for one help request."""

    help_request = models.ForeignKey("help_requests.HelpRequest", on_delete=models.PROTECT, related_name="supports")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.PROTECT, related_name="supports")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="supports")
    # Database guarantee: one proposal gives at most one support, however many accepts race.
    proposal = models.OneToOneField(
        "matching.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="support"
    )
    kind = models.CharField("type", max_length=10, choices=SupportKind.choices, default=SupportKind.ONE_OFF)
    status = models.CharField(
        "statut", max_length=12, choices=SupportStatus.choices, default=SupportStatus.ACTIVE, db_index=True
    )
    started_at = models.DateTimeField("débuté le", default=timezone.now, db_index=True)
    ended_at = models.DateTimeField("terminé le", null=True, blank=True)
    end_reason = models.CharField("motif de fin", max_length=300, blank=True)
    created_by = user_reference()

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = "soutien"
        verbose_name_plural = "soutiens"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Soutien n° {self.pk} : {self.volunteer} → {self.resident}"


class SupportTransition(TransitionLog):
    support, from_status, to_status = log_fields(Support)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut de soutien"
        verbose_name_plural = "historique des soutiens"


class MissionQuerySet(models.QuerySet):
    def done(self):
        return self.filter(status=MissionStatus.DONE)

    def with_list_data(self):
        return self.select_related("support__volunteer", "support__resident", "support__help_request__category")

    def for_volunteer(self, volunteer):
        """What a volunteer may see: the missions of their own supports."""
        return self.filter(support__volunteer=volunteer)

    def recent_load(self, since):
        """Missions that count in a volunteer's recent load: done or planned since `since`."""
        return self.filter(status__in=[MissionStatus.DONE, MissionStatus.PLANNED], scheduled_at__gte=since)


class Mission(models.Model):
    """One dated intervention within a support."""

    support = models.ForeignKey(Support, on_delete=models.PROTECT, related_name="missions")
    scheduled_at = models.DateTimeField("prévue le", db_index=True)
    status = models.CharField(
        "statut", max_length=10, choices=MissionStatus.choices, default=MissionStatus.PLANNED, db_index=True
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    report = models.TextField("compte rendu", max_length=2000, blank=True)
    amount_advanced = amount_field("montant avancé (€)")
    reimbursed = models.BooleanField("remboursé", default=False)
    reimbursed_at = models.DateTimeField("remboursé le", null=True, blank=True)
    done_at = models.DateTimeField("réalisée le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = "mission"
        verbose_name_plural = "missions"
        ordering = ["scheduled_at"]
        indexes = [models.Index(fields=["support", "status"], name="mission_support_status")]

    def __str__(self) -> str:
        return f"Mission du {timezone.localtime(self.scheduled_at):%d/%m/%Y %H:%M}"


class MissionTransition(TransitionLog):
    mission, from_status, to_status = log_fields(Mission)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut de mission"
        verbose_name_plural = "historique des missions"


class Evaluation(models.Model):
    """End-of-support feedback, one from each side."""

    support = models.ForeignKey(Support, on_delete=models.CASCADE, related_name="evaluations")
    author = models.CharField("de la part de", max_length=10, choices=EvaluationAuthor.choices)
    rating = models.PositiveSmallIntegerField(
        "satisfaction (1 à 5)", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField("commentaire", max_length=1000, blank=True)
    channel = models.CharField("recueillie par", max_length=8, choices=EvaluationChannel.choices, blank=True)
    recorded_by = user_reference()
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        constraints = [models.UniqueConstraint(fields=["support", "author"], name="one_evaluation_per_side")]

    def __str__(self) -> str:
        return f"{self.get_author_display()} : {self.rating}/5"
