"""What the host does to towns: create, suspend, delete (decision 0014, docs/hosting.md).

Every function here runs from the public schema and writes one line to the host's own log
(`HostEvent`). Refusals are `HostingError` with a French message for the operator.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from villesolidaire.accounts.models import User
from villesolidaire.accounts.services import password_provisional
from villesolidaire.core.tenancy import PUBLIC_SCHEMA
from villesolidaire.core.text import fold
from villesolidaire.hosting.cloning import TEMPLATE_SCHEMA, clone_template
from villesolidaire.hosting.keys import new_wrapped_keys
from villesolidaire.hosting.models import Domain, HostEvent, Tenant, TenantKind, TenantState, validate_insee_codes
from villesolidaire.territory.models import Commune, Town

_SCHEMA_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED_SCHEMAS = {PUBLIC_SCHEMA, TEMPLATE_SCHEMA, "information_schema"}


class HostingError(Exception):
    """A host operation refused; the message is for the operator, in French."""


@dataclass(frozen=True)
class NewTown:
    tenant: Tenant
    admin_email: str
    # Shown once to whoever created the town, never stored in clear nor logged.
    admin_password: str


def record(actor: str, action: str, tenant_schema: str = "", detail: str = "") -> HostEvent:
    return HostEvent.objects.create(actor=actor, action=action, tenant_schema=tenant_schema, detail=detail[:500])


def schema_name_for(name: str) -> str:
    """`Saint-Malo` → `town_saint_malo`: the schema a town's name suggests."""
    slug = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:35] or "commune"
    return f"town_{slug}"


def ensure_template(verbosity: int = 0) -> Tenant:
    """The schema every new town is cloned from, created and migrated once (21 s here)."""
    template = Tenant.objects.filter(schema_name=TEMPLATE_SCHEMA).first()
    if template is None:
        template = Tenant(
            schema_name=TEMPLATE_SCHEMA, name="Modèle de commune", kind=TenantKind.TEMPLATE, wrapped_keys=""
        )
        template.save(verbosity=verbosity)
    return template


def schema_name_errors(schema_name: str, *, may_exist: bool = False, hosting_ready: bool = True) -> list[str]:
    """Why `schema_name` cannot hold a new town (empty when it can); `may_exist`: it is about to be replaced;
    `hosting_ready` false: the host's tables do not exist yet (`adopt_single_town`), only schemas are looked at."""
    if schema_name in _RESERVED_SCHEMAS or schema_name.startswith("pg_"):
        return [f"Nom de schéma réservé à l'hébergeur ou à PostgreSQL : {schema_name!r}. Choisissez-en un autre."]
    if not _SCHEMA_NAME.match(schema_name):
        return [
            f"Nom de schéma refusé : {schema_name!r} (lettres minuscules, chiffres et _, 2 à 41 caractères, "
            "commençant par une lettre)."
        ]
    known = schema_exists(schema_name) or (hosting_ready and Tenant.objects.filter(schema_name=schema_name).exists())
    if not may_exist and known:
        return [f"Le schéma {schema_name!r} existe déjà."]
    return []


def domain_errors(domains: list[str], *, except_schema: str = "", check_taken: bool = True) -> list[str]:
    """Why `domains` cannot be a new town's (empty when they can); `except_schema`'s own ones are not taken;
    `check_taken` false: the host's tables do not exist yet (`adopt_single_town`)."""
    errors = []
    if not domains:
        errors.append("Au moins un domaine est obligatoire (ex. solidarite.ville.fr).")
    for domain in domains:
        if not _DOMAIN.match(domain):
            errors.append(f"Domaine invalide : {domain!r}.")
    if not check_taken:
        return errors
    existing = Domain.objects.filter(domain__in=domains)
    if except_schema:
        existing = existing.exclude(tenant__schema_name=except_schema)
    taken = sorted(existing.values_list("domain", flat=True))
    if taken:
        errors.append(f"Domaine déjà utilisé : {', '.join(taken)}.")
    return errors


def _check_new_town(name: str, schema_name: str, insee_codes: list[str], domains: list[str], admin_email: str):
    errors = []
    if not name.strip():
        errors.append("Le nom de la commune est obligatoire.")
    errors.extend(schema_name_errors(schema_name))
    if not insee_codes:
        errors.append("Au moins un code INSEE est obligatoire.")
    try:
        validate_insee_codes(insee_codes)
    except ValidationError as exc:
        errors.extend(exc.messages)
    errors.extend(domain_errors(domains))
    try:
        validate_email(admin_email)
    except ValidationError:
        errors.append(f"Adresse e-mail de l'administrateur invalide : {admin_email!r}.")
    if errors:
        raise HostingError(" ".join(errors))


def create_town(
    *,
    name: str,
    insee_codes: list[str],
    domains: list[str],
    admin_email: str,
    schema_name: str = "",
    kind: str = TenantKind.TOWN,
    commune_names: dict[str, str] | None = None,
    actor: str,
) -> NewTown:
    """A town ready in one step: its schema (cloned), domains, keys, `Town` row and first administrator.

    An intercommunal service (`kind` INTERCOMMUNAL) also gets one `territory.Commune` per INSEE
    code, named by `commune_names` (code → name): each keeps its own register and figures."""
    name = name.strip()
    domains = [d.strip().lower() for d in domains if d.strip()]
    insee_codes = [c.strip().upper() for c in insee_codes if c.strip()]
    commune_names = {code.strip().upper(): label.strip() for code, label in (commune_names or {}).items()}
    admin_email = admin_email.strip().lower()
    schema_name = schema_name or schema_name_for(name)
    _check_new_town(name, schema_name, insee_codes, domains, admin_email)
    if kind == TenantKind.INTERCOMMUNAL:
        unnamed = [code for code in insee_codes if not commune_names.get(code)]
        if unnamed or len(insee_codes) < 2:
            raise HostingError(
                "Un service intercommunal sert au moins deux communes, chacune nommée : "
                "--insee 35288=Saint-Malo,35049=Cancale" + (f" (sans nom : {', '.join(unnamed)})." if unnamed else ".")
            )
    ensure_template()

    tenant = Tenant(schema_name=schema_name, name=name, kind=kind, insee_codes=insee_codes)
    tenant.wrapped_keys = new_wrapped_keys()
    tenant.auto_create_schema = False  # copied here from the template's SQL (hosting.cloning)
    try:
        clone_template(schema_name)
        tenant.save(verbosity=0)
        password = secrets.token_urlsafe(15)
        with transaction.atomic():
            for position, domain in enumerate(domains):
                Domain.objects.create(domain=domain, tenant=tenant, is_primary=position == 0)
            with schema_context(schema_name):
                intercommunal = kind == TenantKind.INTERCOMMUNAL
                Town.objects.create(
                    name=name,
                    insee_code=insee_codes[0],
                    is_intercommunal=intercommunal,
                    service_name="CIAS" if intercommunal else "CCAS",
                )
                if intercommunal:
                    Commune.objects.bulk_create(Commune(name=commune_names[c], insee_code=c) for c in insee_codes)
                # As `createsuperuser` makes a single town's first administrator: the admin role and
                # the Django admin (branding, quartiers, accounts and roles).
                password_provisional(User.objects.create_superuser(admin_email, password))
            record(actor, "create_town", schema_name, f"{name} — {', '.join(domains)}")
    except Exception:
        _drop(tenant)
        raise
    return NewTown(tenant=tenant, admin_email=admin_email, admin_password=password)


def set_state(tenant: Tenant, state: str, *, actor: str) -> None:
    if tenant.is_template:
        raise HostingError("Le modèle de commune n'a pas d'état à changer.")
    tenant.state = state
    tenant.save(update_fields=["state"])
    record(actor, f"state:{state}", tenant.schema_name)


def delete_town(tenant: Tenant, *, confirm: str, actor: str) -> None:
    """Drops the town's schema (all its data) and its row. `confirm` must repeat the schema name."""
    if tenant.is_template or tenant.schema_name == PUBLIC_SCHEMA:
        raise HostingError("Ce schéma ne se supprime pas.")
    if confirm != tenant.schema_name:
        raise HostingError(f"Confirmation refusée : tapez exactement {tenant.schema_name!r} pour supprimer.")
    schema, name = tenant.schema_name, tenant.name
    _drop(tenant)
    record(actor, "delete_town", schema, name)


def drop_schema(schema_name: str) -> None:
    """Drop a town's schema and all its data (no row of the host's is touched)."""
    if schema_name_errors(schema_name, may_exist=True):
        raise HostingError(f"Ce schéma ne se supprime pas : {schema_name!r}.")
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        # Rows written in this transaction (a failed creation) leave deferred foreign-key checks
        # that would otherwise forbid dropping their tables.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')


def _drop(tenant: Tenant) -> None:
    drop_schema(tenant.schema_name)
    if tenant.pk:
        Domain.objects.filter(tenant=tenant).delete()
        Tenant.objects.filter(pk=tenant.pk).delete()


def towns():
    return Tenant.objects.exclude(schema_name__in=[PUBLIC_SCHEMA, TEMPLATE_SCHEMA]).prefetch_related("domains")


def set_up_host(*, domains: list[str], actor: str) -> Tenant:
    """The public tenant and the host console's domains (`manage.py host_setup`)."""
    public, _ = Tenant.objects.get_or_create(
        schema_name=PUBLIC_SCHEMA, defaults={"name": "Hébergeur", "kind": TenantKind.TOWN}
    )
    for domain in domains:
        Domain.objects.get_or_create(domain=domain.strip().lower(), defaults={"tenant": public, "is_primary": False})
    record(actor, "host_setup", PUBLIC_SCHEMA, ", ".join(domains))
    return public


__all__ = ["HostingError", "NewTown", "TenantState", "create_town", "delete_town", "ensure_template"]
