"""What each process remembers of the towns between requests: host names, primary domains, wrapped keys.

Without them every request would cost a query for its host name, every link a query for the town's
primary domain and every task or `schema_context` a query for the town's keys: queries a single-town
installation never makes. Each entry lives `TTL_SECONDS` at most, and every change of a town or a
domain made through the ORM in this process (`hosting.services`, restore, adoption, the admin) empties
them at once. Another process sees such a change within `TTL_SECONDS`: a town suspended or deleted on
one worker keeps being served by the others for at most that long (docs/hosting.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import transaction

TTL_SECONDS = 30.0
MAX_ENTRIES = 2048

T = TypeVar("T")


class ExpiringCache(Generic[T]):
    """A small per-process map whose entries expire; the oldest entry goes first when it is full."""

    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def get_or_load(self, key: str, load: Callable[[], T]) -> T:
        """The remembered value, or `load()`'s (remembered unless it raises)."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        # A clear() during load() makes this value suspect: it is returned but not remembered.
        generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self.max_entries and key not in self._entries:
                    self._entries.pop(next(iter(self._entries)))
                self._entries[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


# host name → Tenant (the middleware copies it for each request)
hosts: ExpiringCache = ExpiringCache()
# schema → its primary domain (`core.tenancy.site_url`)
primary_domains: ExpiringCache[str] = ExpiringCache()
# schema → its wrapped keys (`hosting.keys.data_keys_for_schema`, when the connection holds no Tenant)
wrapped_keys: ExpiringCache[str] = ExpiringCache()


def forget_now() -> None:
    """Forget everything at once (and the tests, between two of them)."""
    hosts.clear()
    primary_domains.clear()
    wrapped_keys.clear()


def forget_towns(**_signal_kwargs) -> None:
    """Forget everything: a town or a domain changed (connected to Tenant's and Domain's save and delete).

    Now, and again once the change is committed: a request served meanwhile by another thread would
    otherwise remember what the database held before the commit.
    """
    forget_now()
    transaction.on_commit(forget_now)
