"""Each town's data keys, wrapped under the host's keys (decision 0014).

A town's register is encrypted with Fernet keys of its own, generated when the town is created.
They are stored in the public schema (`Tenant.wrapped_keys`) encrypted under the host's
key-encryption keys, `VS_DATA_KEYS`, which stay in the environment (decision 0005): a dump of the
database alone opens no register, and one town's keys open nothing of another town.
"""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from villesolidaire.core.crypto import key_fingerprint
from villesolidaire.hosting import caches
from villesolidaire.hosting.models import Tenant


def _host_fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in settings.VS_DATA_KEYS])
    except ValueError as exc:  # the same clear refusal as core.crypto gives a single town
        raise ImproperlyConfigured(
            "VS_DATA_KEYS must hold Fernet keys (32 bytes, url-safe base64), comma-separated."
        ) from exc


def wrap_keys(keys: list[str]) -> str:
    """The town's keys (newest first) encrypted under the host's first key, as stored in `Tenant`."""
    return _host_fernet().encrypt(json.dumps(keys).encode()).decode("ascii")


def new_wrapped_keys() -> str:
    return wrap_keys([Fernet.generate_key().decode("ascii")])


@lru_cache(maxsize=1024)
def _unwrap(wrapped: str, host_keys: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return tuple(json.loads(_host_fernet().decrypt(wrapped.encode("ascii"))))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Les clés de cette commune ne s'ouvrent avec aucune clé de VS_DATA_KEYS (clé de l'hébergeur changée ?)."
        ) from exc


def unwrap_keys(wrapped: str) -> tuple[str, ...]:
    return _unwrap(wrapped, tuple(settings.VS_DATA_KEYS))


def host_key_fingerprints() -> list[str]:
    """Fingerprints of the host's own keys, VS_DATA_KEYS (newest first): they open the towns' wrapped keys."""
    return [key_fingerprint(key) for key in settings.VS_DATA_KEYS]


def wrapping_key_fingerprint(wrapped: str) -> str:
    """The fingerprint of the host key that opens `wrapped`: the one a restore of this town will need.

    Not always the first of VS_DATA_KEYS: a town's keys stay wrapped under the key in use when they were.
    """
    for key in settings.VS_DATA_KEYS:
        try:
            Fernet(key.encode()).decrypt(wrapped.encode("ascii"))
        except InvalidToken:
            continue
        return key_fingerprint(key)
    raise ImproperlyConfigured("Les clés de cette commune ne s'ouvrent avec aucune clé de VS_DATA_KEYS.")


def _stored_wrapped_keys(schema: str) -> str | None:
    return Tenant.objects.filter(schema_name=schema).values_list("wrapped_keys", flat=True).first()


def data_keys_for_schema(schema: str) -> tuple[str, ...]:
    """The key source `core.tenancy` asks: the keys of the town the connection is on.

    A request's connection holds the town's row, keys included. A task or a `schema_context` holds
    only the schema's name: its keys are read once and remembered a short while (`hosting.caches`).
    """
    tenant = getattr(connection, "tenant", None)
    wrapped = getattr(tenant, "wrapped_keys", None) if getattr(tenant, "schema_name", None) == schema else None
    if wrapped is None:
        wrapped = caches.wrapped_keys.get_or_load(schema, lambda: _stored_wrapped_keys(schema))
    if not wrapped:
        raise ImproperlyConfigured(f"Aucune clé pour le schéma {schema!r} : commune inconnue de l'hébergeur.")
    return unwrap_keys(wrapped)
