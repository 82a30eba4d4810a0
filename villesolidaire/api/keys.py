"""API key tokens: how they are made, recognised and stored (pure functions).

A token reads `vs_<prefix>_<secret>`: the prefix (10 characters, stored in clear) finds the key, the
secret (256 random bits) proves it. Only a SHA-256 digest of the whole token is stored: the token
is shown once, at creation or rotation, and never written to a log. A salted slow hash is not
needed: the secret is random, not a password a person chose.
"""

import hashlib
import hmac
import re
import secrets

TOKEN_PATTERN = re.compile(r"^vs_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def new_prefix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def new_token(prefix: str) -> str:
    return f"vs_{prefix}_{secrets.token_urlsafe(32)}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The prefix of a well-formed token, else None (nothing is looked up for a malformed one)."""
    match = TOKEN_PATTERN.match(token)
    return match.group(1) if match else None


def matches(token: str, stored_digest: str) -> bool:
    return bool(stored_digest) and hmac.compare_digest(digest(token), stored_digest)
