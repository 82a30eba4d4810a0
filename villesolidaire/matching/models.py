from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import token_field, user_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields


class VolunteerMatchProfile(models.Model):
    """The matching index: one narrow row per volunteer, kept in step by volunteer services.

    Matching ranks volunteers with a single SQL query over this table. Keeping it narrow
    (numbers and bit masks only) is what makes "top 20 among 100k" a few milliseconds.
    `manage.py rebuild_matching_index` rebuilds it from the volunteers.
    """

    volunteer = models.OneToOneField(
        "volunteers.Volunteer", on_delete=models.CASCADE, primary_key=True, related_name="match_profile"
    )
    is_eligible = models.BooleanField(default=False)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    max_distance_km = models.FloatField(default=3)
    categories_mask = models.BigIntegerField(default=0)
    skills_mask = models.BigIntegerField(default=0)
    languages_mask = models.BigIntegerField(default=0)
    availability_mask = models.BigIntegerField(default=0)
    # Modules (TrainingModule.bit) of the trainings valid when the row was written; the daily
    # `refresh_training_index` clears the bits of trainings that have expired since.
    trainings_mask = models.BigIntegerField(default=0)
    # Volunteer.domains (core.choices.ENGAGEMENT_DOMAINS): who to tell about a partner's need.
    domains_mask = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "profil de mise en relation"
        verbose_name_plural = "index de mise en relation"
        indexes = [models.Index(fields=["is_eligible", "latitude", "longitude"], name="match_eligible_position")]

    def __str__(self) -> str:
        return f"Index — volontaire {self.volunteer_id}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    EXPIRED = "expired", "Sans réponse dans le délai"
    CANCELLED = "cancelled", "Annulée"


class OfferStatus(models.TextChoices):
    PENDING = "pending", "Envoyée"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Refusée"
    TAKEN = "taken", "Prise par un·e autre volontaire"
    WITHDRAWN = "withdrawn", "Retirée"


PROPOSAL_WORKFLOW = Workflow(
    name="proposal",
    states=ProposalStatus,
    transitions={
        ProposalStatus.OPEN: {ProposalStatus.ACCEPTED, ProposalStatus.EXPIRED, ProposalStatus.CANCELLED},
        ProposalStatus.ACCEPTED: set(),
        ProposalStatus.EXPIRED: set(),
        ProposalStatus.CANCELLED: set(),
    },
    log="matching.ProposalTransition",
)

OFFER_WORKFLOW = Workflow(
    name="offer",
    states=OfferStatus,
    transitions={
        OfferStatus.PENDING: {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.TAKEN, OfferStatus.WITHDRAWN},
        # A volunteer who declined may still accept while the proposal is open.
        OfferStatus.DECLINED: {OfferStatus.ACCEPTED},
        OfferStatus.ACCEPTED: set(),
        OfferStatus.TAKEN: set(),
        OfferStatus.WITHDRAWN: set(),
    },
    log="matching.OfferTransition",
)


class Proposal(models.Model):
    """A help request offered to one or several volunteers; the first to accept gets it."""

    help_request = models.ForeignKey("help_requests.HelpRequest", on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(
        "statut", max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN, db_index=True
    )
    message = models.CharField("message aux volontaires", max_length=300, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = user_reference(blank=False)
    expires_at = models.DateTimeField("réponse attendue avant")
    expiry_alerted_at = models.DateTimeField("coordination alertée le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "proposition"
        verbose_name_plural = "propositions"
        ordering = ["-created_at"]
        # The expiry sweep reads open proposals by deadline.
        indexes = [models.Index(fields=["status", "expires_at"], name="proposal_status_expires")]

    def __str__(self) -> str:
        return f"Proposition n° {self.pk} (demande {self.help_request_id})"


class ProposalOffer(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="offers")
    volunteer = models.ForeignKey("volunteers.Volunteer", on_delete=models.CASCADE, related_name="offers")
    token_hash = token_field()
    status = models.CharField("statut", max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    score = models.FloatField("score", default=0)
    explanation = models.JSONField("explication du score", default=list)
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)
    responded_at = models.DateTimeField("réponse le", null=True, blank=True)

    class Meta:
        verbose_name = "proposition à un·e volontaire"
        verbose_name_plural = "propositions aux volontaires"
        constraints = [models.UniqueConstraint(fields=["proposal", "volunteer"], name="one_offer_per_volunteer")]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.get_status_display()}"


class ProposalTransition(TransitionLog):
    proposal, from_status, to_status = log_fields(Proposal)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut d'une proposition"
        verbose_name_plural = "historique des propositions"


class OfferTransition(TransitionLog):
    offer, from_status, to_status = log_fields(ProposalOffer)

    class Meta(TransitionLog.Meta):
        verbose_name = "changement de statut d'une proposition à un·e volontaire"
        verbose_name_plural = "historique des propositions aux volontaires"
