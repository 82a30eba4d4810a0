"""Test settings: safe defaults set before the real settings read the environment.

The environment still wins (CI sets DATABASE_URL to run the suite on PostgreSQL).
"""

import os

for name, value in {
    "VS_TESTING": "true",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "test-secret-key",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "VS_TASKS_BACKEND": "villesolidaire.core.tenancy.TownImmediateBackend",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "VS_SMS_BACKEND": "villesolidaire.notifications.sms.MemorySmsBackend",
    "VS_GEOCODER": "offline",
    "DATABASE_URL": "sqlite:///:memory:",
    "SENTRY_DSN": "",
    # No load shedding unless a test turns it on (tests/core/test_shedding.py).
    "VS_MAX_IN_FLIGHT": "0",
}.items():
    os.environ.setdefault(name, value)

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

if VS_MULTI_TOWN:  # noqa: F405
    # tests/hosting: the towns' and the host console's domains.
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, ".villes.test"]  # noqa: F405
