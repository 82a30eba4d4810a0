from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import user_reference


class BilanIntroduction(models.Model):
    """The introduction the CCAS types for the bilan of one period (printed at the top of the page
    and of the PDF). Keyed by the period's key (« annee-2025 », « episode-3 », …)."""

    period_key = models.CharField("période", max_length=40, unique=True)
    text = models.TextField("introduction", max_length=4000)
    updated_by = user_reference("modifiée par")
    updated_at = models.DateTimeField("modifiée le", default=timezone.now)

    class Meta:
        verbose_name = "introduction du bilan"
        verbose_name_plural = "introductions des bilans"

    def __str__(self) -> str:
        return f"Introduction du bilan « {self.period_key} »"


class BilanSnapshot(models.Model):
    """The bilan a figures reader opens first (this year, compared with the last), kept rendered:
    computed every 5 minutes by `refresh_bilan` (or on demand) instead of at each view, which read
    every volunteer's and request's history (issue 14, decision 0019). Counts only, no name.

    `key` names the choice and the day it was computed for (the comparison runs to today)."""

    key = models.CharField("bilan", max_length=80, unique=True)
    computed_at = models.DateTimeField("calculé le")
    seconds = models.FloatField("durée du calcul (s)")
    html = models.TextField("chiffres rendus")

    class Meta:
        verbose_name = "bilan précalculé"
        verbose_name_plural = "bilans précalculés"

    def __str__(self) -> str:
        return f"Bilan précalculé « {self.key} »"
