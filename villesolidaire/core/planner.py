"""PostgreSQL planner settings for a few statements only."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def planner_settings(**settings: str) -> Iterator[None]:
    """Run the block's statements with these settings (PostgreSQL; nothing elsewhere): set
    LOCAL inside a savepoint rolled back on exit, so an enclosing transaction and the next
    statements keep their own settings. Meant for blocks that only read."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        savepoint = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _name in settings),
                [value for pair in settings.items() for value in pair],
            )
        try:
            yield
        finally:
            transaction.savepoint_rollback(savepoint)
