"""Typed readers for environment variables. They fail loudly on malformed values."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: use true or false.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}: expected an integer.") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def development_machine() -> bool:
    """A machine that sets none of production's settings is a developer's: no DATABASE_URL (the
    embedded SQLite database) and no DJANGO_SECRET_KEY. There DJANGO_DEBUG defaults to true, so that
    `manage.py …` works from a plain shell; production sets both (deploy/env.example), so its
    default stays false, and DJANGO_DEBUG, when set, always wins."""
    return not (os.environ.get("DATABASE_URL") or os.environ.get("DJANGO_SECRET_KEY"))


def dev_address() -> str:
    """VS_BIND, the address `make run` (and gunicorn) listens on."""
    return os.environ.get("VS_BIND") or "127.0.0.1:8000"
