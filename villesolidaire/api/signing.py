"""Webhook signatures (pure functions): HMAC-SHA256 of "<unix time>.<body>" with the subscription's
secret, sent as `X-VS-Signature: t=<unix time>,v1=<hex>`; docs/api.md shows a receiver's check."""

import hashlib
import hmac
import json
import secrets

# A receiver refuses a signature older (or newer) than this: a captured request cannot be replayed later.
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """What a receiver does: the signature matches and its time is within the tolerance."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)
