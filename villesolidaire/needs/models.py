"""One-off needs posted by partners or the town, their shifts and sign-ups."""

from django.db import models  # noqa: F401
