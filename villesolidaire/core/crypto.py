"""Encryption at rest for identifying fields, and keyed hashes to search them.

Register entries (CASF R121-4) hold names, birth dates, addresses and phone numbers of
vulnerable people. Those columns are stored encrypted with Fernet (AES-128-CBC + HMAC,
from the `cryptography` package) under keys that come from the environment
(`VS_DATA_KEYS`), never from the database and never derived from `SECRET_KEY`, so that
rotating the Django secret does not make the register unreadable (docs/decisions/0005).

Encrypted values cannot be searched, so each searchable field also gets a *blind index*:
an HMAC-SHA256 of the normalised value under a key derived from the same secret. An
exact phone number or an exact name (case and accents folded) is then found with an
indexed equality lookup, and the database never learns the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from villesolidaire.core import tenancy
from villesolidaire.core.text import fold

# Marks an encrypted value in the column, so a plaintext row left by a migration is recognised.
_PREFIX = "enc1:"


@lru_cache(maxsize=256)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("VS_DATA_KEYS is empty: the register cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "VS_DATA_KEYS must hold Fernet keys (32 bytes, url-safe base64), comma-separated."
        ) from exc


def _keys() -> tuple[str, ...]:
    """The current town's data keys: VS_DATA_KEYS with one town, the town's own with many (decision 0014)."""
    schema = tenancy.current_schema()
    if schema is None:
        return tuple(settings.VS_DATA_KEYS)
    return tenancy.town_data_keys(schema)


def encrypt(text: str) -> str:
    token = _fernet(_keys()).encrypt(text.encode("utf-8"))
    return _PREFIX + token.decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(_PREFIX):
        return stored  # written before encryption was turned on; re-saved encrypted on next write
    try:
        return _fernet(_keys()).decrypt(stored[len(_PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "An encrypted value cannot be read with the keys in VS_DATA_KEYS (key removed or changed?)."
        ) from exc


@lru_cache(maxsize=256)
def _index_key(first_key: str) -> bytes:
    # A separate key for the blind index, derived from the current first data key: the same
    # secret protects both, but the HMAC key is never the encryption key itself.
    return hashlib.sha256(b"villesolidaire-blind-index:" + base64.urlsafe_b64decode(first_key)).digest()


def blind_index(value: str | None) -> str:
    """Keyed hash of a normalised value, for equality search on encrypted columns.

    Case, accents, punctuation and spacing are folded so "Élise  DUPONT-Martin" and
    "elise dupont martin" give the same hash. Empty input gives an empty string.
    The index key follows the *last* key of VS_DATA_KEYS (the oldest one), so adding a new
    key at the front for encryption does not change any existing index.
    """
    normalised = fold(value or "")
    if not normalised:
        return ""
    key = _index_key(_keys()[-1])
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=256)
def _search_key_secret(first_key: str) -> bytes:
    # Its own key (not the blind index's): a name-search key never equals a blind index value.
    return hashlib.sha256(b"villesolidaire-name-search:" + base64.urlsafe_b64decode(first_key)).digest()


SEARCH_KEY_LENGTH = 16  # hex digits: 64 bits, no collision to fear among a register's keys


def search_key(value: str) -> str:
    """Keyed hash of one name-search key (core.fuzzy: a word, a prefix, a phonetic key…).

    Like `blind_index`, keyed by the last key of VS_DATA_KEYS; shortened, since it only has to
    tell a register's few hundred thousand keys apart (docs/decisions/0012).
    """
    secret = _search_key_secret(_keys()[-1])
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:SEARCH_KEY_LENGTH]


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_fingerprint(key: str) -> str:
    """Names a key without revealing it: the first 12 hex digits of the SHA-256 of the key as written
    in VS_DATA_KEYS (`printf %s "$KEY" | sha256sum | cut -c1-12` gives the same)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def key_fingerprints() -> list[str]:
    """Fingerprints of the configured keys, in the order of VS_DATA_KEYS (newest first)."""
    return [key_fingerprint(key) for key in _keys()]


def encrypted_models():
    """`(model, [encrypted field names])` for every installed model with an encrypted column."""
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField | EncryptedDateField)
        ]
        if fields:
            yield model, fields


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees plain text.

    Not searchable and not sortable in SQL: pair it with a blind-index column for lookups.
    """

    description = "Texte chiffré"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "villesolidaire.core.crypto.EncryptedTextField", args, kwargs


class EncryptedDateField(models.DateField):
    """A date stored encrypted (ISO text in a text column); Python code sees a `date`."""

    description = "Date chiffrée"

    def get_internal_type(self):
        # A text column: database backends must not parse the ciphertext as a date.
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return self.to_python(decrypt(value))

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value is None:
            return None
        return encrypt(value.isoformat())

    def get_db_prep_value(self, value, connection, prepared=False):
        # DateField's own version would turn the ciphertext back into a date adapter.
        return value if prepared else self.get_prep_value(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "villesolidaire.core.crypto.EncryptedDateField", args, kwargs
