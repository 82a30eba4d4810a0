"""Reads of the host console: towns with their storage, never a town's rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from villesolidaire.hosting import caches
from villesolidaire.hosting.models import Domain, Tenant


@dataclass(frozen=True)
class TownRow:
    tenant: Tenant
    domains: list[str]
    storage_bytes: int


def storage_by_schema(schemas: list[str]) -> dict[str, int]:
    """Bytes used by each schema's tables and indexes (one catalogue query, no town table read)."""
    if not schemas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'm') AND n.nspname = ANY(%s) GROUP BY n.nspname",
            [schemas],
        )
        return {schema: int(size) for schema, size in cursor.fetchall()}


def town_rows(tenants) -> list[TownRow]:
    tenants = list(tenants)
    sizes = storage_by_schema([t.schema_name for t in tenants])
    return [
        TownRow(
            tenant=t,
            domains=[d.domain for d in sorted(t.domains.all(), key=lambda d: (not d.is_primary, d.domain))],
            storage_bytes=sizes.get(t.schema_name, 0),
        )
        for t in tenants
    ]


def primary_domain(schema: str) -> str:
    """The domain a town's links are built on (its primary one), remembered a short while (`hosting.caches`)."""
    domain = caches.primary_domains.get_or_load(schema, lambda: _stored_primary_domain(schema))
    if domain is None:
        raise LookupError(f"La commune {schema!r} n'a pas de domaine.")
    return domain


def _stored_primary_domain(schema: str) -> str | None:
    return (
        Domain.objects.filter(tenant__schema_name=schema)
        .order_by("-is_primary", "pk")
        .values_list("domain", flat=True)
        .first()
    )
