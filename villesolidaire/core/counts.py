"""Summary tables of counts kept by PostgreSQL triggers as deltas (decisions 0015 and 0017)."""

from django.db import connection, migrations, transaction


def fold_deltas(statement: str) -> tuple[int, int]:
    """Run a fold statement (delete the deltas, insert their sums per key, select the two row
    counts) in one transaction: the figures stay, only how many rows hold them changes. Returns
    the rows before and after; (0, 0) on SQLite, which keeps no counts."""
    if connection.vendor != "postgresql":
        return 0, 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
        before, after = cursor.fetchone()
    return before, after


def pin_search_path(*functions: str) -> migrations.RunPython:
    """A migration operation giving the trigger functions of a summary table the search path of
    the migration that runs it (`ALTER FUNCTION … SET search_path FROM CURRENT`).

    Their bodies name the tables without a schema: without it they would find them through the
    search path of whoever writes, and a write made under another one (a script, a copy between
    towns) would fail or count in the wrong town. A town migrated with its own schema first in
    the path keeps that schema; a town cloned from the template gets its own name with the rest
    of the template's dump (hosting.cloning). Nothing on SQLite, which has no such function."""

    def run(sql: str):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            with schema_editor.connection.cursor() as cursor:
                for function in functions:
                    cursor.execute(sql.format(function=function))

        return operation

    return migrations.RunPython(
        run("ALTER FUNCTION {function} SET search_path FROM CURRENT"),
        run("ALTER FUNCTION {function} RESET search_path"),
    )
