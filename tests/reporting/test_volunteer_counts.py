"""The volunteers' counts (VolunteerCount, decision 0015) give the bilan the same figures as counting
the volunteers themselves, after the workflows' writes, a fold, and sign-ups at the same instant."""

import datetime

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from tests.factories import QuartierFactory, VolunteerFactory, staff_user
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.reporting import selectors
from villesolidaire.reporting.selectors import Period, dashboard, month_split
from villesolidaire.volunteers import services
from villesolidaire.volunteers.models import Volunteer, VolunteerCount

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the counts are kept on PostgreSQL")

TODAY = datetime.date(2026, 3, 18)


def test_a_year_is_read_from_the_counts_alone():
    counted, edges = month_split(Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))
    assert counted is not None
    assert edges is None


def test_days_outside_whole_months_are_read_from_the_volunteers():
    counted, edges = month_split(Period(datetime.date(2025, 1, 15), datetime.date(2025, 3, 10)))
    assert counted is not None  # February
    assert edges is not None  # 15–31 January and 1–10 March


def test_a_period_inside_one_month_is_read_from_the_volunteers_alone():
    counted, edges = month_split(Period(datetime.date(2025, 1, 15), datetime.date(2025, 1, 31)))
    assert counted is None
    assert edges is not None


def test_an_open_period_has_no_edge_days():
    assert month_split(Period())[1] is None
    assert month_split(Period(start=datetime.date(2025, 2, 1)))[1] is None


def _periods(quartier) -> list[Period]:
    today = timezone.localdate()
    return [
        Period(),
        Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)),
        Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)),
        Period(today - datetime.timedelta(days=75), today - datetime.timedelta(days=3)),
        Period(today - datetime.timedelta(days=400), today, frozenset({quartier.pk})),
        Period(today.replace(day=1), today),
    ]


def _figures(period: Period) -> tuple:
    board = dashboard(period)
    return (
        board.totals,
        [(row.key, row.values) for row in board.by_category],
        [(row.key, row.values) for row in board.by_quartier],
        [(row.key, row.values) for row in board.by_month],
    )


def assert_counts_match_the_volunteers(monkeypatch, quartier) -> None:
    """Every period's figures, read from the counts, equal those of the volunteers counted directly."""
    for period in _periods(quartier):
        from_counts = _figures(period)
        with monkeypatch.context() as direct:
            direct.setattr(selectors, "counts_kept", lambda: False)
            assert from_counts == _figures(period), period


@postgres_only
def test_counts_follow_the_workflows_and_survive_a_fold(monkeypatch):
    north, south = QuartierFactory(name="Nord"), QuartierFactory(name="Sud")
    categories = list(HelpCategory.objects.order_by("bit")[:3])
    coordinator = staff_user()
    now = timezone.now()
    volunteers = [
        VolunteerFactory(quartier=north if n % 2 else south, categories=categories[: 1 + n % 3]) for n in range(12)
    ]
    # Sign-ups spread over 15 months (an UPDATE of the sign-up date moves the volunteer's key).
    for n, volunteer in enumerate(volunteers):
        Volunteer.objects.filter(pk=volunteer.pk).update(created_at=now - datetime.timedelta(days=37 * n + 1))
        volunteer.refresh_from_db()
    for volunteer in volunteers[:8]:
        services.volunteer_validate(volunteer=volunteer, by=coordinator)
    services.volunteer_pause(volunteer=volunteers[1], by=coordinator)
    services.volunteer_put_in_reserve(volunteer=volunteers[2], by=coordinator)
    services.volunteer_withdraw(volunteer=volunteers[3], by=coordinator)
    moved = volunteers[4]
    moved.quartier = south if moved.quartier == north else north
    services.volunteer_update_profile(volunteer=moved, skills=[], categories=categories[2:], address_changed=False)
    volunteers[5].save()  # the same values written again: no delta
    Volunteer.objects.filter(pk=volunteers[6].pk).update(quartier=None)
    volunteers[11].delete()
    volunteers[11].user.delete()
    assert_counts_match_the_volunteers(monkeypatch, north)

    before, after = services.fold_volunteer_counts()
    assert before > after == VolunteerCount.objects.count()
    assert not VolunteerCount.objects.filter(n__lte=0).exists()
    assert_counts_match_the_volunteers(monkeypatch, north)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_sign_ups_at_the_same_instant_are_all_counted(run_concurrently, monkeypatch):
    quartier = QuartierFactory(name="Centre")
    categories = list(HelpCategory.objects.order_by("bit")[:2])

    def sign_up(n: int):
        volunteer = Volunteer(
            first_name="Simultanée",
            last_name=f"N{n}",
            email=f"simultanee-{n}@example.org",
            address="1 place de la Mairie",
            city="Bourg-Solidaire",
            quartier=quartier,
        )
        services.volunteer_register(volunteer=volunteer, skills=[], categories=categories, recruitment_call=None)
        if n % 4 == 0:  # a fold running while others sign up loses nobody
            services.fold_volunteer_counts()

    done, errors = run_concurrently(sign_up, list(range(12)))
    assert errors == []
    assert len(done) == 12
    assert_counts_match_the_volunteers(monkeypatch, quartier)
    services.fold_volunteer_counts()
    assert_counts_match_the_volunteers(monkeypatch, quartier)
    counted = VolunteerCount.objects.filter(category_bit__isnull=True)
    assert sum(counted.values_list("n", flat=True)) == Volunteer.objects.count()


@postgres_only
def test_a_write_under_another_search_path_is_still_counted_in_its_own_schema():
    """The count functions keep the search path of their migration (core.counts.pin_search_path):
    a write naming the table with its schema, from a session whose search path holds none of the
    application's tables, still reaches that schema's counts."""
    volunteer = VolunteerFactory(status="registered", created_at=timezone.now())
    before = VolunteerCount.objects.filter(status="active").aggregate(n=Sum("n"))["n"] or 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('search_path', 'pg_catalog', true)")
        table = f'"{schema}"."{Volunteer._meta.db_table}"'
        cursor.execute(f"UPDATE {table} SET status = 'active' WHERE id = %s", [volunteer.pk])
        cursor.execute("SELECT set_config('search_path', %s, true)", [f'"{schema}", public'])
    assert VolunteerCount.objects.filter(status="active").aggregate(n=Sum("n"))["n"] == before + 1
