"""The outreach call campaigns run during crisis episodes (crises.Episode)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from villesolidaire.campaigns.enums import (
    AttemptChannel,
    CampaignStatus,
    EscalationKind,
    EscalationResult,
    Outcome,
    QuestionKind,
    TargetStatus,
)
from villesolidaire.campaigns.rules import RecallRules
from villesolidaire.core.crypto import EncryptedTextField
from villesolidaire.core.fields import optional_reference, token_field, user_reference
from villesolidaire.core.workflow import TransitionLog, Workflow, log_fields
from villesolidaire.crises.models import Episode

# ----------------------------------------------------------------------------------------------
# Questionnaires read out by callers.


class Questionnaire(models.Model):
    name = models.CharField("nom", max_length=120, unique=True)
    is_default = models.BooleanField("proposé par défaut", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "questionnaire d'appel"
        verbose_name_plural = "questionnaires d'appel"
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> "Questionnaire | None":
        return cls.objects.filter(is_default=True).order_by("pk").first()


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("ordre", default=0)
    code = models.SlugField("code", max_length=40)
    label = models.CharField("question", max_length=200)
    kind = models.CharField("type de réponse", max_length=8, choices=QuestionKind.choices)
    # For "choice": one option per line.
    choices_text = models.TextField("choix possibles (un par ligne)", blank=True)
    help_text = models.CharField("aide", max_length=200, blank=True)

    class Meta:
        verbose_name = "question"
        ordering = ("questionnaire", "order", "pk")
        constraints = [models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices_text.splitlines() if line.strip()]


# ----------------------------------------------------------------------------------------------
# Callers: trusted volunteers or agents, trained, bound by a confidentiality undertaking.


class CallerAccreditationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CallerAccreditation(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caller_accreditations", verbose_name="compte"
    )
    volunteer = optional_reference("volunteers.Volunteer", "fiche volontaire")
    training_on = models.DateField("formation aux appels suivie le")
    undertaking_signed_on = models.DateField("engagement de confidentialité signé le")
    granted_at = models.DateTimeField("habilitation accordée le", default=timezone.now)
    granted_by = user_reference("accordée par")
    revoked_at = models.DateTimeField("retirée le", null=True, blank=True)
    revoked_by = user_reference("retirée par")

    objects = CallerAccreditationQuerySet.as_manager()

    class Meta:
        verbose_name = "habilitation d'appelant·e"
        verbose_name_plural = "habilitations d'appelant·es"
        ordering = ("-granted_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="one_active_accreditation_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Habilitation de {self.user}"


# ----------------------------------------------------------------------------------------------
# Campaigns and the people they call.


CAMPAIGN_WORKFLOW = Workflow(
    name="campaign",
    states=CampaignStatus,
    transitions={
        CampaignStatus.ACTIVE: {CampaignStatus.PAUSED, CampaignStatus.CLOSED},
        CampaignStatus.PAUSED: {CampaignStatus.ACTIVE, CampaignStatus.CLOSED},
        CampaignStatus.CLOSED: set(),
    },
    log="campaigns.CampaignTransition",
)

TARGET_WORKFLOW = Workflow(
    name="call_target",
    states=TargetStatus,
    transitions={
        TargetStatus.PENDING: {TargetStatus.REACHED, TargetStatus.ESCALATED, TargetStatus.CLOSED},
        # A re-check that fails sends the person back to the retry series.
        TargetStatus.REACHED: {TargetStatus.PENDING, TargetStatus.ESCALATED, TargetStatus.CLOSED},
        TargetStatus.ESCALATED: {TargetStatus.REACHED, TargetStatus.CLOSED},
        TargetStatus.CLOSED: set(),
    },
    log="campaigns.CallTargetTransition",
)


class Campaign(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="campaigns", verbose_name="épisode")
    title = models.CharField("intitulé", max_length=120)
    status = models.CharField("état", max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = user_reference("créée par")
    # Targeting (what was asked, kept for the record).
    quartiers = models.ManyToManyField("territory.Quartier", blank=True, related_name="+", verbose_name="quartiers")
    isolated_only = models.BooleanField("seulement les personnes isolées", default=False)
    min_age = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    grounds = models.JSONField("qualités retenues", default=list, blank=True)
    include_linked_residents = models.BooleanField("inclure les personnes suivies par le CCAS", default=False)
    # Re-call rules (rules.RecallRules).
    reached_recheck_hours = models.PositiveSmallIntegerField(
        "nouvel appel d'une personne jointe après (heures)", default=48
    )
    retry_minutes = models.PositiveSmallIntegerField("nouvel essai après un échec (minutes)", default=120)
    max_failed_attempts = models.PositiveSmallIntegerField("essais sans réponse avant escalade", default=4)
    failure_window_hours = models.PositiveSmallIntegerField(
        "délai maximal sans réponse avant escalade (heures)", default=48
    )
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name="questionnaire",
    )
    sms_wave = models.BooleanField("vague de SMS « Répondez 1 »", default=False)
    sms_wave_started_at = models.DateTimeField("vague de SMS lancée le", null=True, blank=True)
    targets_count = models.PositiveIntegerField("personnes à appeler", default=0)

    class Meta:
        verbose_name = "campagne d'appels"
        verbose_name_plural = "campagnes d'appels"
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.title

    @property
    def rules(self):
        return RecallRules(
            reached_recheck_hours=self.reached_recheck_hours,
            retry_minutes=self.retry_minutes,
            max_failed_attempts=self.max_failed_attempts,
            failure_window_hours=self.failure_window_hours,
        )

    @property
    def is_active(self) -> bool:
        return self.status == CampaignStatus.ACTIVE


class CampaignTransition(TransitionLog):
    campaign, from_status, to_status = log_fields(Campaign)


class CallTarget(models.Model):
    """One person to call in one campaign. Holds no identity: it points at the register entry.

    The link is emptied when the entry's trace is purged (register.purge_removed_entries) or the
    campaign's call log expires (services.erasure): the row stays, anonymous, for the counts.

    Queue order: `priority` (0 = isolated), then `next_call_at`, then `rank` (older people and
    quartier order, fixed at generation). A caller claims a target with a lease
    (`locked_by`, `locked_until`); an expired lease puts it back in the queue.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    entry = models.ForeignKey(
        "register.RegisterEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="call_targets"
    )
    priority = models.PositiveSmallIntegerField("priorité", default=1)
    rank = models.PositiveIntegerField("rang", default=0)
    is_isolated = models.BooleanField("isolée", default=False)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    quartier = optional_reference("territory.Quartier")
    status = models.CharField("état", max_length=10, choices=TargetStatus.choices, default=TargetStatus.PENDING)
    next_call_at = models.DateTimeField("prochain appel", null=True, blank=True)
    locked_by = user_reference()
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    attempts_count = models.PositiveSmallIntegerField("tentatives", default=0)
    failed_attempts = models.PositiveSmallIntegerField("échecs d'affilée", default=0)
    series_started_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    reached_at = models.DateTimeField("jointe le", null=True, blank=True)
    escalated_at = models.DateTimeField("escalade le", null=True, blank=True)
    # SMS wave: sent, and a reply other than "1" waiting for a call back.
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    callback_requested = models.BooleanField("à rappeler vite", default=False)
    # Held for a paper call sheet (lease until the sheet's end): not offered on the call screen.
    sheet = optional_reference("campaigns.CallSheet", "feuille d'appels", related_name="held_targets")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "personne à appeler"
        verbose_name_plural = "personnes à appeler"
        ordering = ("priority", "next_call_at", "rank", "pk")
        constraints = [models.UniqueConstraint(fields=["campaign", "entry"], name="one_target_per_entry")]
        indexes = [
            models.Index(fields=["campaign", "priority", "next_call_at", "rank"], name="target_queue_idx"),
            models.Index(fields=["campaign", "status"], name="target_status_idx"),
            models.Index(fields=["locked_by", "locked_until"], name="target_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"Personne n° {self.pk} de la campagne {self.campaign_id}"

    def age_on(self, year: int) -> int | None:
        return year - self.birth_year if self.birth_year else None


class CallTargetTransition(TransitionLog):
    target, from_status, to_status = log_fields(CallTarget)


class CallAttempt(models.Model):
    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="attempts")
    # Null for an SMS reply (nobody called).
    caller = user_reference("appelant·e")
    channel = models.CharField("canal", max_length=10, choices=AttemptChannel.choices, default=AttemptChannel.PHONE)
    started_at = models.DateTimeField("début")
    ended_at = models.DateTimeField("fin", db_index=True)
    outcome = models.CharField("résultat", max_length=14, choices=Outcome.choices)
    answers = models.JSONField("réponses au questionnaire", default=dict, blank=True)
    advice = models.JSONField("conseils donnés", default=list, blank=True)
    actions = models.JSONField("actions", default=list, blank=True)
    # Free text may hold what the person confided: encrypted like the register.
    notes = EncryptedTextField("remarques", blank=True)
    help_request = optional_reference("help_requests.HelpRequest", "demande d'aide créée")
    # The person agreed to the help request, and to linking the register entry to their file.
    help_request_agreed = models.BooleanField(default=False)
    resident_link_agreed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "tentative d'appel"
        verbose_name_plural = "tentatives d'appel"
        ordering = ("started_at", "pk")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} le {self.ended_at:%d/%m/%Y %H:%M}"


class EscalationStep(models.Model):
    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="escalation_steps")
    kind = models.CharField("étape", max_length=20, choices=EscalationKind.choices)
    opened_at = models.DateTimeField("ouverte le", default=timezone.now)
    opened_by = user_reference()
    # Home visit: a volunteer or an agent.
    assigned_volunteer = optional_reference("volunteers.Volunteer", "volontaire")
    assigned_agent = user_reference("agent·e")
    result = models.CharField("résultat", max_length=16, choices=EscalationResult.choices, blank=True)
    result_notes = EncryptedTextField("compte rendu", blank=True)
    done_at = models.DateTimeField("faite le", null=True, blank=True)
    done_by = user_reference()

    class Meta:
        verbose_name = "étape d'escalade"
        verbose_name_plural = "étapes d'escalade"
        ordering = ("opened_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=models.Q(done_at__isnull=True), name="one_open_escalation_step"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


# ----------------------------------------------------------------------------------------------
# Paper call sheets: a caller prints the next people to call and works without the network.


class CallSheet(models.Model):
    """People leased to one caller for some hours, printed (A4 PDF or the print page) and called
    from paper; the caller enters the results back afterwards. Holds no identity itself."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sheets")
    caller = user_reference("appelant·e")
    created_at = models.DateTimeField("préparée le", default=timezone.now)
    held_until = models.DateTimeField("personnes réservées jusqu'au")
    returned_at = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "feuille d'appels"
        verbose_name_plural = "feuilles d'appels"
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"Feuille d'appels n° {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class CallSheetLine(models.Model):
    sheet = models.ForeignKey(CallSheet, on_delete=models.CASCADE, related_name="lines")
    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="sheet_lines")
    position = models.PositiveSmallIntegerField("numéro sur la feuille")
    # The call entered back from the sheet (empty: not called, or not entered yet).
    attempt = optional_reference(CallAttempt, "appel saisi")

    class Meta:
        verbose_name = "ligne de feuille d'appels"
        verbose_name_plural = "lignes de feuille d'appels"
        ordering = ("sheet", "position")
        constraints = [models.UniqueConstraint(fields=["sheet", "target"], name="one_line_per_target_per_sheet")]

    def __str__(self) -> str:
        return f"Ligne {self.position} de la feuille {self.sheet_id}"


# Briefings: waking the reserve when an episode starts ---------------------------------------------


class BriefingAnswer(models.TextChoices):
    YES = "yes", "Oui, disponible"
    NO = "no", "Non"


class Briefing(models.Model):
    """A message sent by a coordinator to a filtered set of volunteers when an episode starts
    (« êtes-vous disponible ? »); answers come back by SMS (« 1 »/« 2 », « oui »/« non ») or
    through the no-login link of the e-mail."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="briefings", verbose_name="épisode")
    text = models.TextField("message", max_length=300)
    audience = models.CharField("destinataires", max_length=300, blank=True)
    sent_by = user_reference("envoyé par")
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "message de mobilisation"
        verbose_name_plural = "messages de mobilisation"
        ordering = ("-sent_at", "-pk")

    def __str__(self) -> str:
        return f"{self.episode} — {self.sent_at:%d/%m/%Y %H:%M}"


class BriefingRecipient(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="recipients")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="briefings", verbose_name="volontaire"
    )
    token_hash = token_field()
    answer = models.CharField("réponse", max_length=3, choices=BriefingAnswer.choices, blank=True)
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)

    class Meta:
        verbose_name = "destinataire d'un message de mobilisation"
        verbose_name_plural = "destinataires des messages de mobilisation"
        constraints = [models.UniqueConstraint(fields=["briefing", "volunteer"], name="briefing_once_per_volunteer")]

    def __str__(self) -> str:
        return f"{self.briefing_id} — {self.volunteer_id}"
