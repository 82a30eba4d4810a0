"""An existing single-town PostgreSQL installation becomes the first town of a multi-town host, in place.

Before: the town's tables are in `public` (VS_MULTI_TOWN off). After: they are in the town's own
schema, untouched; `public` holds the host's tables; the town is recorded with its domains, and
the keys its register was written with (VS_DATA_KEYS until now) become the town's own keys,
wrapped under VS_DATA_KEYS, which now serves as the host's key (decision 0014, docs/hosting.md).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from villesolidaire.hosting.keys import wrap_keys
from villesolidaire.hosting.models import Domain, Tenant, TenantKind
from villesolidaire.hosting.services import HostingError, domain_errors, ensure_template, record, schema_name_errors

# Tasks that were waiting in the town's own queue table: the host's worker reads public's.
_READY_TASKS = "READY"


def _public_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in cursor.fetchall()}


def _town_in_public() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, insee_code FROM public.territory_town ORDER BY id LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        raise HostingError("La base ne contient aucune commune configurée : rien à adopter.")
    return row


def _move_schema(schema_name: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA public RENAME TO "{schema_name}"')
        cursor.execute("CREATE SCHEMA public")


def _move_back(schema_name: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute(f'ALTER SCHEMA "{schema_name}" RENAME TO public')


def _move_waiting_tasks(schema_name: str) -> int:
    """Waiting tasks go to the host's queue, carrying their town like every task queued from now on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema_name}".django_tasks_database_dbtaskresult'])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"""
            INSERT INTO public.django_tasks_database_dbtaskresult
            SELECT * FROM "{schema_name}".django_tasks_database_dbtaskresult WHERE status = %s
            """,
            [_READY_TASKS],
        )
        moved = cursor.rowcount
        cursor.execute(
            """
            UPDATE public.django_tasks_database_dbtaskresult
            SET args_kwargs = jsonb_set(args_kwargs::jsonb, '{kwargs,_vs_town_schema}', to_jsonb(%s::text))
            WHERE status = %s
            """,
            [schema_name, _READY_TASKS],
        )
    return moved


def _drop_host_only_tables(schema_name: str) -> list[str]:
    """The town's copies of the host's own tables (task queue, workers' heartbeats) would hide the
    host's from the town, the search path reading the town's schema first: they go, once their
    waiting tasks have moved."""
    tables = [
        model._meta.db_table
        for app_config in apps.get_app_configs()
        if app_config.name in settings.HOST_ONLY_APPS
        for model in app_config.get_models()
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'DROP TABLE IF EXISTS "{schema_name}"."{table}" CASCADE')
    return tables


def adopt_single_town(*, schema_name: str, domains: list[str], actor: str) -> Tenant:
    connection.set_schema_to_public()
    tables = _public_tables()
    if "hosting_tenant" in tables:
        raise HostingError("Cette base est déjà multi-communes : créez les communes avec create_town.")
    if "territory_town" not in tables:
        raise HostingError("Aucune installation d'une commune dans cette base (pas de table territory_town).")
    domains = [d.strip().lower() for d in domains if d.strip()]
    errors = schema_name_errors(schema_name, hosting_ready=False) + domain_errors(domains, check_taken=False)
    if errors:
        raise HostingError(" ".join(errors))
    name, insee_code = _town_in_public()

    _move_schema(schema_name)
    try:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    except Exception:
        _move_back(schema_name)
        raise
    with transaction.atomic():
        tenant = Tenant(
            schema_name=schema_name,
            name=name,
            kind=TenantKind.TOWN,
            insee_codes=[insee_code],
            wrapped_keys=wrap_keys(list(settings.VS_DATA_KEYS)),
        )
        tenant.save(verbosity=0)  # the schema exists: nothing is created or migrated
        for position, domain in enumerate(domains):
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=position == 0)
        moved = _move_waiting_tasks(schema_name)
        _drop_host_only_tables(schema_name)
        record(actor, "adopt_single_town", schema_name, f"{name} — {', '.join(domains)} — {moved} tâche(s) reprise(s)")
    ensure_template()
    return tenant
