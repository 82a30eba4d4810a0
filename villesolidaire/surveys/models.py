"""Evaluation as the « Ville Solidaire » method asks (issue 12, point 4): the quotes the CCAS
picks for its bilan, and the periodic questionnaire (« vague de questionnaire »).

Why a new app, between `matching` and `missions` in the layers: it reads what missions records
(supports, missions, the two-sided `missions.Evaluation`), volunteers (status history) and
residents, and sends through notifications (SMS, call tasks), so it sits above all of them; it
writes nothing of theirs. Missions stays the owner of the end-of-support evaluation and knows
nothing of quotes or waves: it runs its `evaluation_recorded` hook, to which this app connects.
Reporting (above) reads `selectors.evaluation_synthesis` for the bilan.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from villesolidaire.core.fields import optional_reference, token_field, user_reference
from villesolidaire.missions.enums import EvaluationAuthor
from villesolidaire.surveys.enums import SurveyChannel


def _score(label: str, *, null: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=null, blank=null, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


class SurveyWave(models.Model):
    """One sending of the short questionnaire, about one period: volunteers who had a mission
    done in it get a link, residents who had a support during it get a call from the desk."""

    period_start = models.DateField("période du")
    period_end = models.DateField("au")
    started_at = models.DateTimeField("lancée le", default=timezone.now)
    started_by = user_reference("lancée par")
    closes_at = models.DateTimeField("liens valables jusqu'au")

    class Meta:
        verbose_name = "vague de questionnaire"
        verbose_name_plural = "vagues de questionnaire"
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One wave per period: a second click, or a second coordinator, does not ask people twice.
            models.UniqueConstraint(fields=["period_start", "period_end"], name="one_survey_wave_per_period"),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="survey_wave_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Questionnaire du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"


class SurveyRecipientQuerySet(models.QuerySet):
    def answered(self):
        return self.filter(answered_at__isnull=False)


class SurveyRecipient(models.Model):
    """One person asked in a wave, and their answers (stored with the wave, once).

    A volunteer answers through a link that opens this row only (its key's digest in
    `token_hash`), until the wave closes; a resident's answers are typed by the operator who
    calls them (`call_task`)."""

    wave = models.ForeignKey(SurveyWave, on_delete=models.CASCADE, related_name="recipients")
    side = models.CharField("personne interrogée", max_length=10, choices=EvaluationAuthor.choices)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField("canal", max_length=5, choices=SurveyChannel.choices)
    token_hash = token_field()
    call_task = optional_reference("notifications.CallTask", "appel à passer")
    answered_at = models.DateTimeField("a répondu le", null=True, blank=True)
    satisfaction = _score("satisfaction (1 à 5)", null=True)
    usefulness = _score("utilité (1 à 5)", null=True)
    kept_link = models.BooleanField("souhaite garder le lien / a gardé le lien", null=True, blank=True)
    comment = models.TextField("commentaire", max_length=1000, blank=True)
    quote_consent = models.BooleanField("accepte d'être cité·e anonymement", default=False)
    recorded_by = user_reference("saisi par")

    objects = SurveyRecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "personne interrogée"
        verbose_name_plural = "personnes interrogées"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "volunteer"],
                condition=models.Q(volunteer__isnull=False),
                name="survey_once_a_volunteer",
            ),
            models.UniqueConstraint(
                fields=["wave", "resident"], condition=models.Q(resident__isnull=False), name="survey_once_a_resident"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(side=EvaluationAuthor.VOLUNTEER, volunteer__isnull=False, resident__isnull=True)
                    | models.Q(side=EvaluationAuthor.RESIDENT, resident__isnull=False, volunteer__isnull=True)
                ),
                name="survey_recipient_one_person_of_its_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} interrogé·e ({self.wave})"

    def link_expired(self, now=None) -> bool:
        return self.wave.closes_at <= (now or timezone.now())


class QuoteQuerySet(models.QuerySet):
    def selected(self):
        return self.filter(selected=True).exclude(text="")


class Quote(models.Model):
    """A comment its author agreed to see quoted, as the CCAS rewrites it for the bilan: the
    anonymised `text` only, signed by the side (« une habitante », « un volontaire »). The
    original comment stays on its evaluation or answer and is never printed in the bilan."""

    evaluation = models.OneToOneField(
        "missions.Evaluation", on_delete=models.CASCADE, null=True, blank=True, related_name="quote"
    )
    answer = models.OneToOneField(
        SurveyRecipient, on_delete=models.CASCADE, null=True, blank=True, related_name="quote"
    )
    side = models.CharField("de la part de", max_length=10, choices=EvaluationAuthor.choices)
    given_at = models.DateTimeField("commentaire donné le", db_index=True)
    signature = models.CharField("signée", max_length=40, blank=True, help_text="Par exemple « une habitante ».")
    text = models.TextField("texte anonymisé", max_length=600, blank=True)
    selected = models.BooleanField("retenue pour le bilan", default=False)
    edited_by = user_reference("relue par")
    edited_at = models.DateTimeField("relue le", null=True, blank=True)

    objects = QuoteQuerySet.as_manager()

    class Meta:
        verbose_name = "citation"
        verbose_name_plural = "citations"
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(evaluation__isnull=False, answer__isnull=True)
                | models.Q(evaluation__isnull=True, answer__isnull=False),
                name="quote_from_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"Citation n° {self.pk} ({self.get_side_display()})"

    @property
    def original(self) -> str:
        """The comment as given (the review page only)."""
        source = self.evaluation or self.answer
        return source.comment if source else ""
