"""The evaluation synthesis (surveys.selectors.evaluation_synthesis): figures on built data,
computed again here from the rows the test writes, at a constant number of queries."""

import datetime
import random
from statistics import mean

import pytest
from django.utils import timezone

from tests.factories import MissionFactory, SupportFactory, VolunteerFactory
from villesolidaire.missions.enums import EvaluationAuthor, MissionStatus
from villesolidaire.missions.models import Evaluation
from villesolidaire.surveys.enums import SurveyChannel
from villesolidaire.surveys.models import Quote, SurveyRecipient, SurveyWave
from villesolidaire.surveys.selectors import DEFINITIONS, evaluation_synthesis
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import VolunteerStatusChange

START, END = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


INSIDE, BEFORE, AFTER = at(datetime.date(2026, 3, 15)), at(datetime.date(2026, 2, 27)), at(datetime.date(2026, 4, 2))
# The period's edges: its first minute counts, the minute after its last day does not.
FIRST_MINUTE = at(datetime.date(2026, 3, 1), 0)
NEXT_DAY = at(datetime.date(2026, 4, 1), 0)


def evaluation(support, author, rating, *, when=INSIDE, usefulness=None, kept_link=None):
    return Evaluation.objects.create(
        support=support, author=author, rating=rating, usefulness=usefulness, kept_link=kept_link, created_at=when
    )


def history(volunteer, *steps):
    """Status changes (to, at), in order, from registration."""
    previous = ""
    for to, when in steps:
        VolunteerStatusChange.objects.create(volunteer=volunteer, from_status=previous, to_status=to, at=when)
        previous = to


def test_the_synthesis_figures_match_the_rows_written():
    rng = random.Random(12)
    written = []  # (author, rating, usefulness, kept_link) of the evaluations inside the period
    for index in range(14):
        support = SupportFactory()
        for author in (EvaluationAuthor.RESIDENT, EvaluationAuthor.VOLUNTEER):
            row = (author, rng.randint(1, 5), rng.choice([None, 2, 4, 5]), rng.choice([None, True, False]))
            when = [INSIDE, FIRST_MINUTE, BEFORE, AFTER, NEXT_DAY][index % 5]
            evaluation(support, row[0], row[1], usefulness=row[2], kept_link=row[3], when=when)
            if START <= timezone.localtime(when).date() <= END:
                written.append(row)

    # Volunteers with a mission done in March, and their status history.
    kept_active = VolunteerFactory(status=Status.WITHDRAWN)  # withdrew after the period: active at its end
    history(kept_active, (Status.ACTIVE, at(datetime.date(2025, 6, 1))), (Status.WITHDRAWN, AFTER))
    in_reserve = VolunteerFactory(status=Status.ACTIVE)  # in reserve at the end, active again today
    history(
        in_reserve,
        (Status.ACTIVE, at(datetime.date(2025, 6, 1))),
        (Status.RESERVE, at(datetime.date(2026, 3, 20))),
        (Status.ACTIVE, AFTER),
    )
    gone = VolunteerFactory(status=Status.ACTIVE)  # withdrew during the period: not kept
    history(gone, (Status.ACTIVE, at(datetime.date(2025, 6, 1))), (Status.WITHDRAWN, at(datetime.date(2026, 3, 25))))
    no_history = VolunteerFactory(status=Status.RESERVE)  # legacy row: today's status is all there is
    paused = VolunteerFactory(status=Status.ACTIVE)  # paused at the end of the period: not kept
    history(paused, (Status.ACTIVE, BEFORE), (Status.PAUSED, at(datetime.date(2026, 3, 30))), (Status.ACTIVE, AFTER))
    for volunteer in (kept_active, in_reserve, gone, no_history, paused):
        MissionFactory(support=SupportFactory(volunteer=volunteer), status=MissionStatus.DONE, scheduled_at=INSIDE)
    # Not counted: a mission outside the period, a mission planned or missed inside it.
    outside = VolunteerFactory(active=True)
    MissionFactory(support=SupportFactory(volunteer=outside), status=MissionStatus.DONE, scheduled_at=AFTER)
    MissionFactory(support=SupportFactory(volunteer=outside), status=MissionStatus.MISSED, scheduled_at=INSIDE)

    # Quotes: only the selected ones given in the period, with a text.
    evaluations = list(Evaluation.objects.order_by("pk"))
    Quote.objects.create(
        evaluation=evaluations[0],
        side="resident",
        given_at=INSIDE,
        text="Une présence précieuse.",
        signature="une habitante",
        selected=True,
    )
    Quote.objects.create(
        evaluation=evaluations[1], side="volunteer", given_at=INSIDE, text="Non retenue.", signature="un volontaire"
    )
    Quote.objects.create(
        evaluation=evaluations[2],
        side="resident",
        given_at=AFTER,
        text="Trop tard.",
        signature="un habitant",
        selected=True,
    )

    # Waves: one ending in the period, one ending after it.
    wave = SurveyWave.objects.create(
        period_start=datetime.date(2026, 2, 1), period_end=datetime.date(2026, 3, 10), closes_at=AFTER
    )
    later = SurveyWave.objects.create(
        period_start=datetime.date(2026, 3, 1), period_end=datetime.date(2026, 4, 30), closes_at=AFTER
    )
    answers = [(5, 4, True), (3, None, False), (None, None, None), (4, 2, None)]  # None satisfaction: not answered
    for satisfaction, usefulness, kept in answers:
        SurveyRecipient.objects.create(
            wave=wave,
            side="volunteer",
            volunteer=VolunteerFactory(),
            channel=SurveyChannel.LINK,
            answered_at=INSIDE if satisfaction else None,
            satisfaction=satisfaction,
            usefulness=usefulness,
            kept_link=kept,
        )
    SurveyRecipient.objects.create(wave=later, side="volunteer", volunteer=kept_active, channel=SurveyChannel.LINK)

    synthesis = evaluation_synthesis(START, END)

    for side, figures in (
        (EvaluationAuthor.RESIDENT, synthesis.resident),
        (EvaluationAuthor.VOLUNTEER, synthesis.volunteer),
    ):
        rows = [row for row in written if row[0] == side]
        useful = [row[2] for row in rows if row[2] is not None]
        linked = [row[3] for row in rows if row[3] is not None]
        assert figures.count == len(rows) > 0
        assert figures.mean_satisfaction == pytest.approx(mean(row[1] for row in rows))
        assert figures.usefulness_count == len(useful)
        assert figures.mean_usefulness == (pytest.approx(mean(useful)) if useful else None)
        assert (figures.kept_link_answered, figures.kept_link_yes) == (len(linked), sum(linked))
        assert figures.kept_link_share == (pytest.approx(sum(linked) / len(linked)) if linked else None)
    assert synthesis.kept_link is synthesis.resident

    retention = synthesis.retention
    assert (retention.with_mission, retention.active, retention.reserve) == (
        5,
        1,
        2,
    )  # kept_active; in_reserve, no_history
    assert retention.kept == 3 and retention.kept_share == pytest.approx(3 / 5)

    assert [(q.text, q.signature) for q in synthesis.quotes] == [("Une présence précieuse.", "une habitante")]

    (result,) = synthesis.waves
    (side,) = result.sides
    assert (result.wave_id, result.asked, result.answered) == (wave.pk, 4, 3)
    assert result.response_rate == pytest.approx(3 / 4)
    assert side.mean_satisfaction == pytest.approx(4) and side.mean_usefulness == pytest.approx(3)
    assert (side.kept_link_answered, side.kept_link_yes) == (2, 1)
    assert set(synthesis.definitions) == set(DEFINITIONS) and all(DEFINITIONS.values())


def test_an_empty_period_has_no_figure_and_no_division_by_zero():
    synthesis = evaluation_synthesis(START, END)
    assert (synthesis.resident.count, synthesis.resident.mean_satisfaction, synthesis.resident.kept_link_share) == (
        0,
        None,
        None,
    )
    assert synthesis.retention.kept_share is None
    assert synthesis.quotes == [] and synthesis.waves == []


def _some_data(count: int) -> None:
    for index in range(count):
        support = SupportFactory()
        MissionFactory(support=support, status=MissionStatus.DONE, scheduled_at=INSIDE)
        history(support.volunteer, (Status.ACTIVE, BEFORE))
        made = evaluation(support, EvaluationAuthor.RESIDENT, 4, usefulness=5, kept_link=index % 2 == 0)
        Quote.objects.create(
            evaluation=made, side="resident", given_at=INSIDE, text="Merci.", signature="une habitante", selected=True
        )
        wave = SurveyWave.objects.create(
            period_start=datetime.date(2026, 3, 1) + datetime.timedelta(days=index),
            period_end=datetime.date(2026, 3, 20),
            closes_at=AFTER,
        )
        SurveyRecipient.objects.create(
            wave=wave, side="volunteer", volunteer=support.volunteer, channel=SurveyChannel.LINK
        )


@pytest.mark.parametrize("count", [1, 6])
def test_the_synthesis_takes_five_queries_whatever_the_data(django_assert_num_queries, count):
    _some_data(count)
    with django_assert_num_queries(5):
        synthesis = evaluation_synthesis(START, END)
    assert synthesis.resident.count == count and len(synthesis.waves) == count and len(synthesis.quotes) == count
