"""The evaluation synthesis the bilan prints (issue 12, point 4): a pure read, at a constant
number of queries (five), whatever the amount of data.

    synthesis = evaluation_synthesis(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

Every figure is read from what was recorded during the period, never from today's state: the
volunteers kept are read from their status history (`VolunteerStatusChange`) as it stood at the
end of the period. Each figure's definition, in French, is in `DEFINITIONS`, for the page, the
PDF and the exports alike.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from villesolidaire.missions.enums import EvaluationAuthor
from villesolidaire.missions.models import Evaluation
from villesolidaire.surveys.models import Quote, SurveyRecipient, SurveyWave
from villesolidaire.surveys.services import missions_done_in, period_bounds
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer, VolunteerStatusChange

DEFINITIONS: dict[str, str] = {
    "evaluations": (
        "Avis de fin de soutien donnés pendant la période, de chaque côté : par la personne aidée "
        "(recueilli le plus souvent par téléphone) et par le·la volontaire. Un avis par côté et par soutien."
    ),
    "satisfaction": "Moyenne des notes de satisfaction (de 1 à 5) de ces avis.",
    "usefulness": (
        "Moyenne des notes d'utilité (de 1 à 5), parmi les avis qui y répondent (question facultative ; "
        "les avis recueillis avant qu'elle soit posée n'y répondent pas)."
    ),
    "kept_link": (
        "Lien social : part des soutiens dont la personne aidée dit avoir gardé (ou souhaiter garder) le "
        "lien avec son ou sa volontaire, parmi ses avis de la période qui répondent à cette question."
    ),
    "volunteers_with_mission": ("Volontaires ayant réalisé au moins une mission dont la date tombe dans la période."),
    "volunteers_kept": (
        "Parmi eux, volontaires encore engagé·es à la fin de la période : « actif·ve » ou « en réserve » "
        "d'après l'historique de leur statut à cette date (et non leur statut d'aujourd'hui)."
    ),
    "volunteers_reserve": "Parmi eux, volontaires « en réserve » à la fin de la période.",
    "quotes": (
        "Commentaires que leur auteur·e a accepté de voir cités anonymement, réécrits par le CCAS sans "
        "aucun nom et signés seulement « une habitante », « un volontaire »… ; donnés pendant la période."
    ),
    "wave_response_rate": (
        "Questionnaire périodique : personnes ayant répondu / personnes interrogées (volontaires par SMS "
        "ou e-mail, habitant·es par un appel de l'accueil). Questionnaires dont la période se termine "
        "dans celle du bilan."
    ),
    "wave_means": "Moyennes des notes de satisfaction et d'utilité (de 1 à 5) parmi les réponses au questionnaire.",
}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class SideFigures:
    """One side's end-of-support evaluations in the period."""

    side: str
    count: int = 0
    mean_satisfaction: float | None = None
    usefulness_count: int = 0
    mean_usefulness: float | None = None
    kept_link_answered: int = 0
    kept_link_yes: int = 0

    @property
    def label(self) -> str:
        return "Personnes aidées" if self.side == EvaluationAuthor.RESIDENT else "Volontaires"

    @property
    def kept_link_share(self) -> float | None:
        return _share(self.kept_link_yes, self.kept_link_answered)


@dataclass(frozen=True)
class Retention:
    """Volunteers with a mission done in the period, by their status at its end."""

    with_mission: int = 0
    active: int = 0
    reserve: int = 0

    @property
    def kept(self) -> int:
        return self.active + self.reserve

    @property
    def kept_share(self) -> float | None:
        return _share(self.kept, self.with_mission)


@dataclass(frozen=True)
class WaveSide:
    side: str
    asked: int = 0
    answered: int = 0
    mean_satisfaction: float | None = None
    mean_usefulness: float | None = None
    kept_link_answered: int = 0
    kept_link_yes: int = 0

    @property
    def label(self) -> str:
        return "Habitant·es (appel)" if self.side == EvaluationAuthor.RESIDENT else "Volontaires (SMS ou e-mail)"

    @property
    def response_rate(self) -> float | None:
        return _share(self.answered, self.asked)

    @property
    def kept_link_share(self) -> float | None:
        return _share(self.kept_link_yes, self.kept_link_answered)


@dataclass(frozen=True)
class WaveResult:
    wave_id: int
    period_start: datetime.date
    period_end: datetime.date
    sides: list[WaveSide] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Questionnaire du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"

    @property
    def asked(self) -> int:
        return sum(side.asked for side in self.sides)

    @property
    def answered(self) -> int:
        return sum(side.answered for side in self.sides)

    @property
    def response_rate(self) -> float | None:
        return _share(self.answered, self.asked)


@dataclass(frozen=True)
class QuoteLine:
    text: str
    signature: str


@dataclass(frozen=True)
class EvaluationSynthesis:
    period_start: datetime.date
    period_end: datetime.date
    resident: SideFigures
    volunteer: SideFigures
    retention: Retention
    quotes: list[QuoteLine]
    waves: list[WaveResult]
    definitions: dict[str, str] = field(default_factory=lambda: DEFINITIONS)

    @property
    def sides(self) -> list[SideFigures]:
        return [self.resident, self.volunteer]

    @property
    def kept_link(self) -> SideFigures:
        """The « lien social » figure: the resident's word."""
        return self.resident


def _side_figures(first: datetime.datetime, after: datetime.datetime) -> dict[str, SideFigures]:
    rows = (
        Evaluation.objects.filter(created_at__gte=first, created_at__lt=after)
        .values("author")
        .annotate(
            count=Count("pk"),
            mean_satisfaction=Avg("rating"),
            usefulness_count=Count("usefulness"),
            mean_usefulness=Avg("usefulness"),
            kept_link_answered=Count("kept_link"),
            kept_link_yes=Count("pk", filter=Q(kept_link=True)),
        )
        .order_by()
    )
    return {row["author"]: SideFigures(side=row.pop("author"), **row) for row in rows}


def _retention(start: datetime.date, end: datetime.date, after: datetime.datetime) -> Retention:
    changes = VolunteerStatusChange.objects.filter(volunteer=OuterRef("pk"))
    status_at_end = Coalesce(
        # The last change before the end of the period…
        Subquery(changes.filter(at__lt=after).order_by("-at", "-pk").values("to_status")[:1]),
        # …else the status the first later change started from…
        NullIf(Subquery(changes.filter(at__gte=after).order_by("at", "pk").values("from_status")[:1]), Value("")),
        # …else, for a volunteer with no history at all, the status they have.
        F("status"),
    )
    rows = (
        Volunteer.objects.filter(pk__in=missions_done_in(start, end).values("support__volunteer_id"))
        .annotate(status_at_end=status_at_end)
        .values("status_at_end")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_status = {row["status_at_end"]: row["count"] for row in rows}
    return Retention(
        with_mission=sum(by_status.values()),
        active=by_status.get(VolunteerStatus.ACTIVE, 0),
        reserve=by_status.get(VolunteerStatus.RESERVE, 0),
    )


def _waves(start: datetime.date, end: datetime.date) -> list[WaveResult]:
    return wave_results(
        SurveyWave.objects.filter(period_end__gte=start, period_end__lte=end).order_by("period_end", "pk")
    )


def wave_results(waves) -> list[WaveResult]:
    """Each wave's response rate and means, by side (two queries for any number of waves)."""
    waves = list(waves.values_list("pk", "period_start", "period_end"))
    if not waves:
        return []
    answered = Q(answered_at__isnull=False)
    rows = (
        SurveyRecipient.objects.filter(wave__in=[pk for pk, _s, _e in waves])
        .values("wave_id", "side")
        .annotate(
            asked=Count("pk"),
            answered=Count("pk", filter=answered),
            mean_satisfaction=Avg("satisfaction", filter=answered),
            mean_usefulness=Avg("usefulness", filter=answered),
            kept_link_answered=Count("kept_link", filter=answered),
            kept_link_yes=Count("pk", filter=answered & Q(kept_link=True)),
        )
        .order_by("wave_id", "side")
    )
    sides: dict[int, list[WaveSide]] = {}
    for row in rows:
        sides.setdefault(row.pop("wave_id"), []).append(WaveSide(**row))
    return [WaveResult(pk, first, last, sides.get(pk, [])) for pk, first, last in waves]


def evaluation_synthesis(period_start: datetime.date, period_end: datetime.date) -> EvaluationSynthesis:
    """The evaluation figures of a period (both days included), each defined in DEFINITIONS."""
    first, after = period_bounds(period_start, period_end)
    sides = _side_figures(first, after)
    quotes = [
        QuoteLine(text=text, signature=signature)
        for text, signature in Quote.objects.selected()
        .filter(given_at__gte=first, given_at__lt=after)
        .order_by("given_at", "pk")
        .values_list("text", "signature")
    ]
    return EvaluationSynthesis(
        period_start=period_start,
        period_end=period_end,
        resident=sides.get(EvaluationAuthor.RESIDENT, SideFigures(EvaluationAuthor.RESIDENT)),
        volunteer=sides.get(EvaluationAuthor.VOLUNTEER, SideFigures(EvaluationAuthor.VOLUNTEER)),
        retention=_retention(period_start, period_end, after),
        quotes=quotes,
        waves=_waves(period_start, period_end),
    )
