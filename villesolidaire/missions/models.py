from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import amount_field, link_expired, optional_reference, token_field, user_reference
from villesolidaire.core.workflow import TransitionLog, log_fields
from villesolidaire.missions.enums import (
    EvaluationAuthor,
    EvaluationChannel,
    MissedReason,
    MissionStatus,
    RescheduleStatus,
    SupportKind,
    SupportStatus,
)


class SupportQuerySet(models.QuerySet):
    def with_list_data(self):
        return self.select_related("volunteer", "resident", "help_request__category")

    def for_volunteer(self, volunteer):
        return self.filter(volunteer=volunteer)

    def with_money_summary(self):
        """Amount advanced on done missions and how much of it is still to reimburse (None: nothing
        advanced). Subqueries per support, not a join grouped over every support: the list's page
        is then read off its index in order and stops at the page."""
        advanced = (
            Mission.objects.filter(support=models.OuterRef("pk"), status=MissionStatus.DONE, amount_advanced__gt=0)
            .order_by()
            .values("support")
        )

        def total(missions):
            return models.Subquery(missions.annotate(total=models.Sum("amount_advanced")).values("total"))

        return self.annotate(
            amount_advanced_total=total(advanced), amount_to_reimburse=total(advanced.filter(reimbursed=False))
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
    # Its request's crisis episode, followed when a coordinator changes the request's.
    episode = optional_reference("crises.Episode", "épisode de crise", related_name="supports")

    objects = SupportQuerySet.as_manager()

    class Meta:
        verbose_name = "soutien"
        verbose_name_plural = "soutiens"
        ordering = ["-started_at"]
        indexes = [
            # The coordinators' list (views.support_list), newest first.
            models.Index(fields=["-started_at", "-id"], name="support_list_order"),
        ]

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

    def reschedule_requested(self):
        """Planned missions whose volunteer asked for another date and awaits the coordinator's answer
        (the operations view counts them)."""
        return self.filter(
            status=MissionStatus.PLANNED, reschedule_requests__status=RescheduleStatus.PENDING
        ).distinct()


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
    missed_reason = models.CharField(
        "raison de l'absence de mission", max_length=10, choices=MissedReason.choices, blank=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    # The episode under way on its day over the resident's quartier, else its support's.
    episode = optional_reference("crises.Episode", "épisode de crise", related_name="missions")

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


class RescheduleRequest(models.Model):
    """A volunteer's wish to move a planned mission to another date; the coordinator answers."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="reschedule_requests")
    wished_at = models.DateTimeField("nouvelle date souhaitée")
    note = models.CharField("message du·de la volontaire", max_length=300, blank=True)
    status = models.CharField(
        "statut", max_length=8, choices=RescheduleStatus.choices, default=RescheduleStatus.PENDING, db_index=True
    )
    requested_by = user_reference("demandée par")
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    refusal_reason = models.CharField("motif du refus", max_length=300, blank=True)

    class Meta:
        verbose_name = "demande d'autre créneau"
        verbose_name_plural = "demandes d'autre créneau"
        ordering = ["requested_at", "pk"]
        constraints = [
            # One open request per mission: a second click while the first waits changes nothing.
            models.UniqueConstraint(
                fields=["mission"],
                condition=models.Q(status=RescheduleStatus.PENDING),
                name="one_pending_reschedule_per_mission",
            )
        ]

    def __str__(self) -> str:
        return f"Autre créneau pour {self.mission} : {timezone.localtime(self.wished_at):%d/%m/%Y %H:%M}"


class RescheduleTransition(TransitionLog):
    reschedule_request, from_status, to_status = log_fields(RescheduleRequest)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut de demande d'autre créneau"
        verbose_name_plural = "historique des demandes d'autre créneau"


class SupportLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Links not past their own expiry (the support's end is checked by `SupportLink.expired`)."""
        return self.filter(expires_at__gt=now or timezone.now())


class SupportLink(models.Model):
    """A no-login key to one support's volunteer pages (its missions' reports, another date):
    given on the offer page the volunteer accepted, so they need no magic link to report.
    Only the digest is stored; it opens nothing else, and expires."""

    support = models.ForeignKey(Support, on_delete=models.CASCADE, related_name="links")
    token_hash = token_field()
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")

    objects = SupportLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "lien de compte rendu d'un soutien"
        verbose_name_plural = "liens de compte rendu des soutiens"

    def __str__(self) -> str:
        return f"Lien du soutien n° {self.support_id}"

    def expired(self, now=None) -> bool:
        """Past its date, or the support ended more than VS_LINK_GRACE_HOURS ago."""
        now = now or timezone.now()
        return self.expires_at <= now or link_expired(self.support.ended_at, now=now)


class Evaluation(models.Model):
    """End-of-support feedback, one from each side."""

    support = models.ForeignKey(Support, on_delete=models.CASCADE, related_name="evaluations")
    author = models.CharField("de la part de", max_length=10, choices=EvaluationAuthor.choices)
    rating = models.PositiveSmallIntegerField(
        "satisfaction (1 à 5)", validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Added for the bilan (issue 12): rows recorded before stay empty (null), never guessed.
    usefulness = models.PositiveSmallIntegerField(
        "utilité (1 à 5)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    kept_link = models.BooleanField("souhaite garder le lien / a gardé le lien", null=True, blank=True)
    comment = models.TextField("commentaire", max_length=1000, blank=True)
    quote_consent = models.BooleanField("accepte d'être cité·e anonymement", default=False)
    channel = models.CharField("recueillie par", max_length=8, choices=EvaluationChannel.choices, blank=True)
    recorded_by = user_reference()
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        constraints = [models.UniqueConstraint(fields=["support", "author"], name="one_evaluation_per_side")]

    def __str__(self) -> str:
        return f"{self.get_author_display()} : {self.rating}/5"
