"""The host's tables, in the public schema: towns, their domains, the host's own audit log.

Nothing here holds a town's personal data: a town's people, register and audit log live in the
town's own schema, which the host console never reads (decision 0014).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from villesolidaire.territory.models import insee_code


class TenantKind(models.TextChoices):
    TOWN = "town", "Commune (CCAS)"
    INTERCOMMUNAL = "intercommunal", "Service intercommunal (CIAS)"
    TEMPLATE = "template", "Modèle (schéma cloné pour chaque nouvelle commune)"


class TenantState(models.TextChoices):
    ACTIVE = "active", "En service"
    SUSPENDED = "suspended", "Suspendue"


class Tenant(TenantMixin):
    """A town (or an intercommunal service) served by this deployment, in its own schema."""

    name = models.CharField("nom", max_length=120)
    kind = models.CharField("type", max_length=20, choices=TenantKind.choices, default=TenantKind.TOWN)
    insee_codes = models.JSONField("codes INSEE des communes servies", default=list, blank=True)
    state = models.CharField("état", max_length=20, choices=TenantState.choices, default=TenantState.ACTIVE)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    # The town's own data keys, encrypted under the host's VS_DATA_KEYS (hosting.keys).
    wrapped_keys = models.TextField("clés de la commune (chiffrées par la clé de l'hébergeur)", blank=True)
    last_backup_at = models.DateTimeField("dernière sauvegarde", null=True, blank=True)
    last_backup_bytes = models.BigIntegerField("taille de la dernière sauvegarde", null=True, blank=True)

    # The schema is created (cloned from the template) when the row is first saved; it is dropped
    # only by `hosting.services.delete_town`, never by deleting the row by accident.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = "commune hébergée"
        verbose_name_plural = "communes hébergées"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_template(self) -> bool:
        return self.kind == TenantKind.TEMPLATE


def validate_insee_codes(codes: list[str]) -> None:
    for code in codes:
        insee_code(code)


class Domain(DomainMixin):
    """A host name that leads to one town (`solidarite.ville.fr`, `ville.hebergeur.fr`)."""

    class Meta:
        verbose_name = "domaine"
        verbose_name_plural = "domaines"


# How the host's journal names each action (the stored codes stay stable for scripts).
ACTION_LABELS = {
    "host_setup": "Console préparée",
    "create_host_operator": "Opérateur créé",
    "create_town": "Commune créée",
    "adopt_single_town": "Installation existante reprise",
    "state:active": "Remise en service",
    "state:suspended": "Suspension",
    "backup_town": "Sauvegarde",
    "export_town": "Export complet",
    "restore_town": "Restauration",
    "restore_town_failed": "Restauration échouée (commune laissée telle quelle)",
    "delete_town": "Suppression",
}


class HostEvent(models.Model):
    """The host's own audit log: what host operators did to towns (never a town's personal data)."""

    at = models.DateTimeField("le", auto_now_add=True, db_index=True)
    actor = models.CharField("par", max_length=254)
    action = models.CharField("action", max_length=60)
    tenant_schema = models.CharField("commune (schéma)", max_length=63, blank=True)
    detail = models.CharField("détail", max_length=500, blank=True)

    class Meta:
        verbose_name = "événement de l'hébergeur"
        verbose_name_plural = "journal de l'hébergeur"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.tenant_schema}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def host_actor(user) -> str:
    """How the host log names who acted: an operator's e-mail, or the shell user for commands."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.email
    return getattr(settings, "VS_HOST_COMMAND_ACTOR", "") or "commande"
