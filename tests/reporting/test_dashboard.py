import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    QuartierFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    staff_user,
)
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from tests.reporting.conftest import at
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.reporting.selectors import (
    FIGURE_COUNTS,
    NO_QUARTIER,
    Period,
    Tally,
    active_delta,
    category_breakdown,
    count_missions_done,
    count_mobilised,
    count_requests,
    count_shift_hours,
    count_supports,
    count_volunteer_categories,
    count_volunteer_signups,
    dashboard,
    month_breakdown,
    quartier_breakdown,
)
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

FIGURE_ORDER = [
    "registered",
    "active",
    "mobilised",
    "missions_done",
    "residents_helped",
    "supports",
    "requests",
    "mission_hours",
    "shift_hours",
    "participations",
]
DASHBOARD_QUERIES = 12


def figures(row) -> list[int | float]:
    return [row.get(code) for code in FIGURE_ORDER]


def by_label(rows) -> dict:
    return {row.label: figures(row) for row in rows}


def test_headline_figures(known_data):
    board = dashboard()
    assert board.totals == {
        "registered": 5,
        "active": 3,
        "mobilised": 2,
        "missions_done": 4,
        "residents_helped": 3,
        "supports": 4,
        "requests": 4,
        "mission_hours": 5.25,
        "shift_hours": 7.5,
        "participations": 3,
    }


def test_breakdown_by_category(known_data):
    rows = by_label(dashboard().by_category)
    # Volunteers: the categories they accept. Others: the request's (or the need's) category.
    assert rows["Courses, médicaments, livres"] == [3, 2, 2, 3, 2, 2, 2, 4.5, 5.5, 2]
    # r3 asked twice (courses, then démarches): she counts in both categories she asked in.
    assert rows["Démarches administratives"] == [2, 2, 1, 1, 2, 2, 2, 0.75, 0, 0]
    # Every reference category is listed, with zeros when nothing happened.
    assert len(rows) == HelpCategory.objects.count() == 10
    assert rows["Promenade"] == [0] * 10


def test_breakdown_by_quartier(known_data):
    rows = by_label(dashboard().by_quartier)
    # Mobilised volunteers sit in the volunteer's quartier; missions, residents and supports in the
    # resident's; shift hours and participations in the need's.
    assert rows == {
        "Nord": [2, 2, 2, 3, 2, 2, 2, 3.25, 5.5, 2],
        "Sud": [2, 1, 0, 1, 1, 2, 2, 2, 2, 1],
        NO_QUARTIER: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }


def test_breakdown_by_month(known_data):
    rows = dashboard().by_month
    assert [row.key for row in rows] == [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    assert by_label(rows) == {
        # v2 only attended a shift in January: a partner shift mobilises too.
        "Janvier 2025": [2, 2, 2, 2, 2, 2, 2, 1.75, 5.5, 2],
        # v1 helped in both months: distinct people per month do not add up to the total.
        "Février 2025": [3, 1, 2, 2, 1, 2, 2, 3.5, 2, 1],
    }


def test_period_restricts_every_figure(known_data):
    board = dashboard(Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)))
    assert board.totals == {
        "registered": 3,
        "active": 1,
        "mobilised": 2,
        "missions_done": 2,
        "residents_helped": 1,
        "supports": 2,
        "requests": 2,
        "mission_hours": 3.5,
        "shift_hours": 2,
        "participations": 1,
    }
    assert by_label(board.by_category)["Courses, médicaments, livres"] == [1, 0, 2, 2, 1, 1, 1, 3.5, 0, 0]
    assert [row.label for row in board.by_month] == ["Février 2025"]

    january = dashboard(Period(end=datetime.date(2025, 1, 31)))
    assert january.totals == {
        "registered": 2,
        "active": 2,
        "mobilised": 2,
        "missions_done": 2,
        "residents_helped": 2,
        "supports": 2,
        "requests": 2,
        "mission_hours": 1.75,
        "shift_hours": 5.5,
        "participations": 2,
    }


def test_empty_database_gives_zeros():
    board = dashboard()
    assert set(board.totals.values()) == {0}
    assert board.by_month == []
    assert board.by_quartier == []


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_query_count_does_not_grow_with_the_data(known_data):
    assert _count_queries(dashboard) == DASHBOARD_QUERIES
    # Ten times more rows, in new quartiers, categories and months.
    other = HelpCategory.objects.get(slug="promenade")
    for index in range(10):
        quartier = QuartierFactory()
        volunteer = VolunteerFactory(
            active=True, quartier=quartier, categories=[other], created_at=at(f"2024-{index + 1:02d}-03")
        )
        support = SupportFactory(
            help_request=HelpRequestFactory(resident=ResidentFactory(quartier=quartier), category=other),
            volunteer=volunteer,
        )
        MissionFactory.create_batch(
            3, support=support, status=MissionStatus.DONE, scheduled_at=at(f"2024-{index + 1:02d}-10")
        )
        shift = ShiftFactory(
            need=NeedFactory(quartier=quartier, category=other),
            starts_at=at(f"2024-{index + 1:02d}-12"),
            ends_at=at(f"2024-{index + 1:02d}-12", 15),
        )
        SignupFactory(shift=shift, volunteer=volunteer, attended=True, hours=Decimal("3"))
    assert _count_queries(dashboard) == DASHBOARD_QUERIES
    assert dashboard().total("missions_done") == 34
    assert dashboard().total("shift_hours") == 37.5


FIGURE_COUNT_QUERIES = {
    count_volunteer_signups: 1,
    count_volunteer_categories: 1,
    count_missions_done: 1,
    count_mobilised: 2,
    count_requests: 1,
    count_supports: 1,
    count_shift_hours: 1,
}


@pytest.mark.parametrize("period", [Period(), Period(start=datetime.date(2024, 3, 1), end=datetime.date(2024, 3, 31))])
@pytest.mark.parametrize("count", list(FIGURE_COUNT_QUERIES), ids=lambda count: count.__name__)
def test_each_figure_source_runs_a_fixed_number_of_queries(known_data, count, period):
    assert _count_queries(lambda: count(Tally(), period)) == FIGURE_COUNT_QUERIES[count]


def test_each_breakdown_runs_a_fixed_number_of_queries(known_data):
    tally = Tally()
    for count in FIGURE_COUNTS:
        count(tally, Period())
    assert _count_queries(lambda: category_breakdown(tally.by_category, tally.by_categories_mask)) == 1
    assert _count_queries(lambda: quartier_breakdown(tally.by_quartier)) == 1
    assert _count_queries(lambda: month_breakdown(tally.by_month)) == 0
    # Two breakdown queries, and two for the relays to partners.
    assert sum(FIGURE_COUNT_QUERIES.values()) + 2 + 2 == DASHBOARD_QUERIES
    assert set(FIGURE_COUNTS) == set(FIGURE_COUNT_QUERIES)


def test_active_reads_the_status_history_as_it_stood_at_the_end_of_the_period(known_data):
    """Closing the dispositif (active volunteers moved to the reserve) must not change a past bilan,
    and a volunteer validated after the period was not active during it."""
    from villesolidaire.volunteers.enums import WORKFLOW

    february = Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    assert dashboard(february).total("active") == 1
    coordinator = staff_user(Role.COORDINATOR)
    for volunteer in Volunteer.objects.filter(status=Status.ACTIVE):
        WORKFLOW.apply(volunteer, Status.RESERVE, by=coordinator, at=at("2025-06-30"))
    late = VolunteerFactory(status=Status.REGISTERED, created_at=at("2025-02-10"))
    WORKFLOW.apply(late, Status.ACTIVE, by=coordinator, at=at("2025-03-02"))

    assert dashboard(february).total("active") == 1
    assert dashboard(february, breakdowns=False).total("active") == 1
    assert dashboard(Period(end=datetime.date(2025, 2, 28))).total("active") == 3
    # The same corrections reach the groups by recruitment call and engagement domain.
    from villesolidaire.reporting.activity import volunteer_groups

    board = dashboard(february)
    # v3 was active then and is in reserve now; the late one is active now, not then.
    assert sorted(change.delta for change in board.active_changes) == [-1, 1]
    assert active_delta(february) == 0  # the comparison's total: the same corrections, summed
    until_february = Period(end=datetime.date(2025, 2, 28))
    summed = sum(change.delta for change in dashboard(until_february).active_changes)
    assert summed != 0 and active_delta(until_february) == summed
    _domains, calls = volunteer_groups(february, board.active_changes)
    assert sum(row.registered for row in calls) == 4 and sum(row.active for row in calls) == 1
    # Read today, nobody from those months is active any more but the late one.
    assert dashboard().total("active") == 1
    assert by_label(dashboard(february).by_quartier)["Sud"][:2] == [2, 1]
    courses = by_label(dashboard(Period(end=datetime.date(2025, 2, 28))).by_category)["Courses, médicaments, livres"]
    assert courses[:2] == [3, 2]
