import re

from django.db import models
from django.utils import timezone

from villesolidaire.core.crypto import EncryptedTextField
from villesolidaire.core.fields import optional_reference, user_reference
from villesolidaire.core.text import french_phone
from villesolidaire.notifications.kinds import kind_label


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "En attente d'envoi"
    SENT = "sent", "Envoyé"
    RETRYING = "retrying", "Nouvel essai prévu"
    FAILED = "failed", "Échec"


class MessageQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=MessageStatus.FAILED)

    def sent_recently(self, recipient: str, *, kind: str, within) -> bool:
        """Whether a message of this kind went to this recipient within `within` (a timedelta):
        the cool-down of notices that anyone can trigger by typing someone's contact."""
        return self.filter(kind=kind, recipient=recipient, created_at__gte=timezone.now() - within).exists()


# Messages sent to people on the register of vulnerable people (campaigns app): their numbers
# are register data, shown to register officers only (CASF R121-7).
REGISTER_MESSAGE_KIND_PREFIX = "campaign_"

# What the stored text of a message shows in place of a link that opens a page without login.
PERSONAL_LINK_PLACEHOLDER = "[lien personnel]"


class Message(models.Model):
    """Every e-mail and SMS the platform sends, with its delivery status."""

    channel = models.CharField("canal", max_length=5, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=254)
    subject = models.CharField("objet", max_length=200, blank=True)
    body = models.TextField("texte")
    # The personal links the body's placeholders stand for, in order, encrypted: kept until the
    # message is sent, so that no key lies in clear in the table or its backups.
    personal_links = EncryptedTextField("liens personnels (chiffrés)", blank=True, editable=False)
    kind = models.CharField("type de message", max_length=60, db_index=True)
    status = models.CharField(
        "statut", max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    provider_id = models.CharField("identifiant chez le prestataire", max_length=120, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = "message envoyé"
        verbose_name_plural = "messages envoyés"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} à {self.recipient} ({self.get_status_display()})"

    def outgoing_body(self) -> str:
        """The text to hand to the provider: the stored body with its personal links put back."""
        links = iter(self.personal_links.split("\n") if self.personal_links else ())
        return re.sub(re.escape(PERSONAL_LINK_PLACEHOLDER), lambda match: next(links, match.group()), self.body)

    @property
    def shown_recipient(self) -> str:
        """What a coordinator may see: register campaign messages hide the register's numbers."""
        if self.kind.startswith(REGISTER_MESSAGE_KIND_PREFIX):
            return "numéro du registre (masqué)"
        if self.channel == Channel.SMS:
            return french_phone(self.recipient)[0] or self.recipient
        return self.recipient

    @property
    def kind_label(self) -> str:
        """The kind in French words (« Proposition d'aide (volontaire) »), not its code."""
        return kind_label(self.kind)


class CallTaskStatus(models.TextChoices):
    OPEN = "open", "À rappeler"
    DONE = "done", "Fait"


class CallTask(models.Model):
    """A call an operator must make: the resident has no mobile to receive an SMS."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="call_tasks")
    reason = models.CharField("motif", max_length=300)
    kind = models.CharField("type", max_length=60)
    help_request = optional_reference("help_requests.HelpRequest")
    support = optional_reference("missions.Support")
    status = models.CharField(
        "statut", max_length=5, choices=CallTaskStatus.choices, default=CallTaskStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    done_at = models.DateTimeField("faite le", null=True, blank=True)
    done_by = user_reference()
    outcome = models.CharField("résultat de l'appel", max_length=500, blank=True)

    class Meta:
        verbose_name = "appel à passer"
        verbose_name_plural = "appels à passer"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Rappeler {self.resident} : {self.reason}"
