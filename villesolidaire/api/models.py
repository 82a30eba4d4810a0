"""API keys: one per application of the town's other systems (docs/api.md)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from villesolidaire.accounts.enums import Role
from villesolidaire.core.crypto import EncryptedTextField
from villesolidaire.core.fields import optional_reference, user_reference

# The roles a key may carry. Never the register's (CASF R121-7: named people only), never the
# administrator's (it opens every desk), never the auditor's (the journal is read on the site).
API_ROLES = (Role.COORDINATOR, Role.OPERATOR, Role.PARTNER, Role.OFFICIAL)
API_ROLE_CHOICES = [(role.value, role.label) for role in API_ROLES]


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Keys that may be used now: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiKey(models.Model):
    name = models.CharField("nom de l'application", max_length=80, unique=True)
    # The account the key acts as: its role grants (and partner memberships) are what the pages'
    # permission-scoped querysets read, so the API sees exactly what that role sees on the site.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key", editable=False
    )
    role = models.CharField("rôle", max_length=32, choices=API_ROLE_CHOICES)
    organisation = optional_reference(
        "partners.Organisation", "organisation (clé d'un partenaire)", related_name="api_keys"
    )
    scopes = models.JSONField("droits", default=list)
    rate_per_minute = models.PositiveIntegerField("appels par minute au plus", default=120)
    prefix = models.CharField("préfixe", max_length=10, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, editable=False)
    # Rotation: the previous token keeps working until `previous_valid_until`, so the application can
    # switch without an outage.
    previous_digest = models.CharField(max_length=64, blank=True, editable=False)
    previous_valid_until = models.DateTimeField("ancienne clé valable jusqu'au", null=True, blank=True)
    expires_at = models.DateTimeField("expire le")
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = user_reference("créée par")
    rotated_at = models.DateTimeField("renouvelée le", null=True, blank=True)
    # The number of the form (creation or renewal) that issued the current token: the same form
    # sent again (a page reloaded) issues nothing more.
    issued_by_form = models.CharField("formulaire qui a émis la clé", max_length=64, blank=True, editable=False)
    last_used_at = models.DateTimeField("dernier usage", null=True, blank=True)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = user_reference("révoquée par")

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "clé d'API"
        verbose_name_plural = "clés d'API"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["issued_by_form"], condition=~models.Q(issued_by_form=""), name="api_key_one_key_per_form"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def expires_on(self) -> datetime.date:
        """The last day the key works (it expires at the start of the next one)."""
        return timezone.localtime(self.expires_at - datetime.timedelta(microseconds=1)).date()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def state_label(self) -> str:
        if self.is_revoked:
            return "Révoquée"
        if self.is_expired:
            return "Expirée"
        return "Active"

    @property
    def actor_label(self) -> str:
        """How the audit log and the workflow logs name this key's calls."""
        return f"Clé d'API « {self.name} »"


class WebhookEvent(models.TextChoices):
    REQUEST_CREATED = "help_request.created", "Demande d'aide enregistrée"
    SUPPORT_STARTED = "support.started", "Soutien mis en place"
    MISSION_DONE = "mission.done", "Mission réalisée"
    CALL_ESCALATED = "call.escalated", "Personne d'une campagne d'appels en escalade"
    NEED_FULL = "need.full", "Besoin ponctuel complet"


class WebhookSubscription(models.Model):
    """An application's address told about some events, with its key's rights: an event about a row
    the key could not read, or of a kind it has no scope for, is never sent."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="webhooks", verbose_name="clé")
    url = models.URLField("adresse de réception", max_length=500)
    events = models.JSONField("événements", default=list)
    # Signs each delivery (HMAC-SHA256); encrypted at rest, shown once at creation.
    secret = EncryptedTextField("secret de signature", editable=False)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = user_reference("créée par")

    class Meta:
        verbose_name = "abonnement aux événements"
        verbose_name_plural = "abonnements aux événements"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [labels.get(event, event) for event in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    RETRYING = "retrying", "Nouvel essai prévu"
    DELIVERED = "delivered", "Reçue"
    FAILED = "failed", "En échec"


class WebhookDeliveryQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=DeliveryStatus.FAILED)


class WebhookDelivery(models.Model):
    """One event for one subscription, and how sending it went. The payload holds identifiers and
    statuses, never a person's name, phone or address: the subscriber reads those through the API,
    with its key, and each such read is journaled."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField("événement", max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField("contenu")
    status = models.CharField(
        "état", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)
    response_status = models.PositiveSmallIntegerField("réponse HTTP", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=300, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    delivered_at = models.DateTimeField("reçue le", null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays", verbose_name="rejoue"
    )

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "envoi d'événement"
        verbose_name_plural = "envois d'événements"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="api_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} n° {self.pk}"
