"""Summary tables of counts kept by PostgreSQL triggers as deltas (decisions 0015 and 0017)."""

from django.db import connection, transaction


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
