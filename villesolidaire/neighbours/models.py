"""Neighbour networks: buildings or streets with a referent volunteer."""

from django.db import models  # noqa: F401
