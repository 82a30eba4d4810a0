"""The append-only audit log of the register and its campaigns.

Every read (list, search, detail, export) and every write on register and campaign data
writes one row here: who, when, what object, which action, which fields. Rows are never
changed: the model refuses updates and deletes, no screen or admin page can edit them, and
database triggers (migration 0002) refuse UPDATE always and DELETE of rows younger than the
shortest retention the CNIL accepts (6 months); migration 0003 refuses TRUNCATE on PostgreSQL
(SQLite has none). `manage.py purge_audit_log` removes rows
older than VS_AUDIT_RETENTION_DAYS.
"""

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LIST = "list", "Consultation d'une liste"
    SEARCH = "search", "Recherche"
    VIEW = "view", "Consultation d'une fiche"
    EXPORT = "export", "Export"
    PRINT = "print", "Document produit"
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    DELETE = "delete", "Suppression"
    TRANSITION = "transition", "Changement d'état"
    CALL = "call", "Appel"
    IMPORT = "import", "Import"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only: use manage.py purge_audit_log.")


class AuditEntry(models.Model):
    at = models.DateTimeField("date et heure", auto_now_add=True, db_index=True)
    # No database constraint: deleting an account must neither be blocked by its log rows nor
    # rewrite them (SET_NULL would be an UPDATE, which the triggers refuse).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur·rice",
    )
    # Kept as text too: the actor's name stays readable if the account is later anonymised.
    actor_label = models.CharField("auteur·rice (libellé)", max_length=200, blank=True)
    action = models.CharField("action", max_length=16, choices=AuditAction.choices)
    # "register.RegisterEntry", "campaigns.Campaign"…, and the primary key (empty for a list).
    object_type = models.CharField("type d'objet", max_length=80)
    object_id = models.CharField("identifiant", max_length=40, blank=True)
    fields = models.JSONField("champs", default=list, blank=True)
    # What was asked (search terms are never written in clear: only their kind), why, how many rows.
    detail = models.CharField("détail", max_length=300, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal d'accès"
        verbose_name_plural = "journal d'accès"
        ordering = ("-at", "-pk")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        what = f"{self.get_action_display()} {self.object_type} {self.object_id}"
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label} {what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
