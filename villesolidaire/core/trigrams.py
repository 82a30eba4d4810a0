"""Trigram GIN indexes, for searches of a word anywhere in a folded text (`LIKE '%word%'`), on
PostgreSQL. A B-tree cannot serve a pattern that starts with %: without them every row is read.

pg_trgm is a trusted extension (PostgreSQL 13+: the database's owner may create it); it is created
in `public`, which every town's search path ends with (decision 0014). Where it is not available
or not allowed, nothing is created and the searches read every row, as they did before. SQLite
has no such index: a town's rows are read in milliseconds there.
"""

from django.db import DatabaseError, transaction


def create_trigram_indexes(schema_editor, table: str, indexes: dict[str, str], dropped: list[str] = ()) -> None:
    """`indexes`: name → indexed expression on `table`; the indexes named in `dropped` go first."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in dropped:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                for name, expression in indexes.items():
                    index = f"{name} ON {table} USING gin ({expression} gin_trgm_ops)"
                    cursor.execute(f"CREATE INDEX IF NOT EXISTS {index}")
        except DatabaseError:
            return  # not allowed to create the extension: the searches read every row


def drop_indexes(schema_editor, names: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
