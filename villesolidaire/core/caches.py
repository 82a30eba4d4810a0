"""What each process remembers between requests: small maps whose entries expire, and reference data.

`ExpiringCache` is the map (the hosting app keeps the towns' host names and keys in it).
`ReferenceData` keeps, per town, what many requests read and staff rarely change (quartier
outlines, the categories and skills offered, the open recruitment call, the town's settings): a
public sign-up would otherwise read them all again each time. A save or delete of one of its
models through the ORM in this process forgets it at once (and again at commit, so that a request
served meanwhile by another thread does not keep what the database held before); another process
sees the change within `TTL_SECONDS`. Writes that bypass the ORM's signals (`QuerySet.update`,
`bulk_create`, SQL) are also seen within that delay.

The values are shared by every thread of the process: callers read them and never change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from villesolidaire.core.tenancy import current_schema

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


_reference_data: list[ReferenceData] = []


class ReferenceData(Generic[T]):
    """One value per town, `load()`'s, forgotten when one of `changed_by` is saved or deleted."""

    def __init__(self, load: Callable[[], T], *, changed_by: tuple[type[models.Model], ...]) -> None:
        self._load = load
        self._cache: ExpiringCache[T] = ExpiringCache()
        for model in changed_by:
            post_save.connect(self.forget, sender=model, weak=False)
            post_delete.connect(self.forget, sender=model, weak=False)
        _reference_data.append(self)

    def get(self) -> T:
        # With many towns each has its own; with one, current_schema() is None.
        return self._cache.get_or_load(current_schema() or "", self._load)

    def forget(self, **_signal_kwargs) -> None:
        self._cache.clear()
        transaction.on_commit(self._cache.clear)


def forget_reference_data() -> None:
    """Forget every town's reference data at once (the tests, between two of them)."""
    for data in _reference_data:
        data._cache.clear()
