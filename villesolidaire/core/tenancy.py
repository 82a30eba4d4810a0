"""Which town the current work belongs to, when one deployment serves many (decision 0014).

With `VS_MULTI_TOWN` off (SQLite, and single-town PostgreSQL installations) there is one town and
`current_schema()` is None: everything below is a no-op. With it on, each town's tables live in
their own PostgreSQL schema; django-tenants' middleware points the connection at the town the
request's host name names, and this module gives the lower apps what they need without importing
the `hosting` app that knows the towns:

- `current_schema()`: the schema the connection is on (`public` outside any town);
- `town_data_keys(schema)`: that town's data keys, through the key source the hosting app
  registers (`set_key_source`), so `core.crypto` encrypts each town's register under its own keys;
- `TownTask` and the backends below: a task enqueued in a town runs in that town.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_tasks.backends.dummy import DummyBackend
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

PUBLIC_SCHEMA = "public"
# The keyword a queued task's town travels under: never a parameter name of a task function.
TOWN_KWARG = "_vs_town_schema"

KeySource = Callable[[str], tuple[str, ...]]
DomainSource = Callable[[str], str]
_key_source: KeySource | None = None
_domain_source: DomainSource | None = None


def is_multi_town() -> bool:
    return bool(getattr(settings, "VS_MULTI_TOWN", False))


def current_schema() -> str | None:
    """The town schema the connection is on; `public` outside any town; None with one town."""
    if not is_multi_town():
        return None
    return connection.schema_name


def in_town() -> bool:
    """True when work may touch a town's tables: always with one town, in a town schema with many."""
    schema = current_schema()
    return schema is None or schema != PUBLIC_SCHEMA


@contextmanager
def town_schema(schema: str | None) -> Iterator[None]:
    """Run the block on `schema` (no-op with one town), then go back to where the connection was."""
    if schema is None or not is_multi_town():
        yield
        return
    previous = connection.tenant
    connection.set_schema(schema)
    try:
        yield
    finally:
        connection.set_tenant(previous)


def set_key_source(source: KeySource) -> None:
    """Called once by the hosting app: `source(schema)` gives that town's data keys, newest first."""
    global _key_source
    _key_source = source


def set_domain_source(source: DomainSource) -> None:
    """Called once by the hosting app: `source(schema)` gives that town's primary domain."""
    global _domain_source
    _domain_source = source


def site_url() -> str:
    """The absolute address links sent by e-mail and SMS start with: the current town's own domain.

    With one town, VS_SITE_URL. With many, the town's primary domain, with the scheme (and port,
    in development) of VS_SITE_URL: a magic link sent by town A opens town A, whichever worker sends it.
    """
    schema = current_schema()
    if schema is None or schema == PUBLIC_SCHEMA or _domain_source is None:
        return settings.SITE_URL
    parts = urlsplit(settings.SITE_URL)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{_domain_source(schema)}{port}"


def town_scope(scope: str) -> str:
    """A no-login link's scope, bound to the town: a link of town A signs no one in on town B."""
    schema = current_schema()
    return scope if schema is None else f"{schema}:{scope}"


def town_data_keys(schema: str) -> tuple[str, ...]:
    if schema == PUBLIC_SCHEMA:
        raise ImproperlyConfigured("Le schéma de l'hébergeur n'a pas de clé : aucune donnée chiffrée n'y est lue.")
    if _key_source is None:
        raise ImproperlyConfigured("VS_MULTI_TOWN is on but no key source is registered (hosting app missing?).")
    return _key_source(schema)


# -- Tasks carry their town ------------------------------------------------------------------------------


class TownTask(Task):
    """A task that remembers the town it was enqueued in and runs there (decision 0014)."""

    def enqueue(self, *args, **kwargs):
        schema = current_schema()
        if schema is not None:
            kwargs[TOWN_KWARG] = schema
        return super().enqueue(*args, **kwargs)

    async def aenqueue(self, *args, **kwargs):
        schema = current_schema()
        if schema is not None:
            kwargs[TOWN_KWARG] = schema
        return await super().aenqueue(*args, **kwargs)

    def call(self, *args, **kwargs):
        schema = kwargs.pop(TOWN_KWARG, None)
        with town_schema(schema):
            return super().call(*args, **kwargs)

    async def acall(self, *args, **kwargs):
        schema = kwargs.pop(TOWN_KWARG, None)
        with town_schema(schema):
            return await super().acall(*args, **kwargs)


class TownDatabaseBackend(DatabaseBackend):
    """django-tasks' database backend whose tasks carry their town."""

    task_class = TownTask


class TownImmediateBackend(ImmediateBackend):
    task_class = TownTask


class TownDummyBackend(DummyBackend):
    task_class = TownTask
