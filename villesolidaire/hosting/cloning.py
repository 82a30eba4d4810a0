"""New towns from the template schema, far cheaper than django-tenants' clone (decision 0014).

django-tenants' clone function reads `information_schema` once per table and per column, and each
read scans the whole catalogue: measured here 1.6 s for the first town and 15 s for the hundredth
(bench/towns.py), minutes at 500 towns. Instead the template is dumped once as SQL with pg_dump
(cached under VS_VAR_DIR, keyed by the template's applied migrations, so a new migration makes a
new dump) and replayed under the new town's name in one transaction: the statements create tables,
indexes, constraints and sequences by name, without the clone's catalogue scans (make bench:
1.2 s at the 10th town, about 10 s at the 90th here: what still grows is not yet identified). Its migration records
come with it, so the new town needs no `migrate`.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from villesolidaire.core.backups import pg_env, run_client

TEMPLATE_SCHEMA = "town_template"
_TEMPLATE_NAME = re.compile(rf"\b{TEMPLATE_SCHEMA}\b")
# pg_dump's plain output sets an empty search_path: every name in it is schema-qualified.
_PSQL_ONLY = re.compile(r"^\\.*$", re.MULTILINE)


def _template_state() -> str:
    """A digest of the template's applied migrations and of its relations: a dump made before a
    migration, or before a change of which apps live in a town's schema, is never replayed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT md5(
                (SELECT string_agg(app || '.' || name, ',' ORDER BY app, name)
                 FROM "{TEMPLATE_SCHEMA}".django_migrations)
                || '|' ||
                (SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s)
            )
            """,
            [TEMPLATE_SCHEMA],
        )
        return cursor.fetchone()[0]


def _dump_path(state: str) -> Path:
    folder = Path(settings.VAR_DIR) / "hosting"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{TEMPLATE_SCHEMA}-{state}.sql"


def template_sql() -> str:
    """The template schema as SQL statements (its data as INSERTs), dumped once per migration state."""
    path = _dump_path(_template_state())
    if not path.exists():
        partial = path.with_suffix(".partial")
        run_client(
            [
                "pg_dump",
                "--no-password",
                f"--schema={TEMPLATE_SCHEMA}",
                "--no-owner",
                "--no-privileges",
                "--inserts",
                f"--file={partial}",
            ],
            env=pg_env(connection.settings_dict),
            what="La copie du modèle de commune",
        )
        partial.replace(path)
    return path.read_text(encoding="utf-8")


def clone_template(schema_name: str) -> None:
    """Creates `schema_name` as a copy of the template, tables, indexes, constraints and rows."""
    statements = _PSQL_ONLY.sub("", _TEMPLATE_NAME.sub(schema_name, template_sql()))
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statements)
        # pg_dump's first statements empty the search path for the session: give it back.
        cursor.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")
    connection.set_schema_to_public()
