"""The requests' counts (RequestCount, decision 0017) give the bilan the same requests and distinct
residents as counting the requests themselves, after every kind of write, a fold, and requests of
one resident written at the same instant."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import HelpCategoryFactory, HelpRequestFactory, QuartierFactory, ResidentFactory
from villesolidaire.help_requests.models import HelpCategory, HelpRequest, RequestCount
from villesolidaire.help_requests.services import fold_request_counts
from villesolidaire.reporting import selectors
from villesolidaire.reporting.selectors import Period, Tally, count_requests

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the counts are kept on PostgreSQL")


def _periods(quartier) -> list[Period]:
    today = timezone.localdate()
    this_month = today.replace(day=1)
    return [
        Period(),
        Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)),
        Period(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)),
        Period(start=datetime.date(today.year - 1, 7, 1)),
        Period(end=datetime.date(today.year - 1, 6, 30)),
        Period(this_month, today),
        Period(datetime.date(today.year - 1, 3, 1), datetime.date(today.year, 2, 28), frozenset({quartier.pk})),
        Period(today - datetime.timedelta(days=75), today - datetime.timedelta(days=3)),  # edge days
    ]


def _counted(period: Period) -> tuple:
    tally = Tally()
    count_requests(tally, period)
    return dict(tally.totals), dict(tally.by_category), dict(tally.by_quartier), dict(tally.by_month)


def assert_counts_match_the_requests(monkeypatch, quartier) -> None:
    for period in _periods(quartier):
        from_counts = _counted(period)
        with monkeypatch.context() as direct:
            direct.setattr(selectors, "counts_kept", lambda: False)
            assert from_counts == _counted(period), period


def test_a_period_of_whole_months_reads_the_counts(monkeypatch):
    read = []
    monkeypatch.setattr(selectors, "counts_kept", lambda: True)
    monkeypatch.setattr(selectors, "request_count_rows", lambda counted, first: read.append(first) or [])
    count_requests(Tally(), Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))
    count_requests(Tally(), Period())
    assert read == [datetime.date(2025, 1, 1), None]


@postgres_only
def test_counts_follow_every_write_and_survive_a_fold(monkeypatch):
    north, south = QuartierFactory(name="Nord"), QuartierFactory(name="Sud")
    categories = list(HelpCategory.objects.order_by("pk")[:3])
    residents = [ResidentFactory(quartier=[north, south, None][n % 3]) for n in range(7)]
    now = timezone.now()
    requests = []
    # Several requests per resident, over 15 months, some in the same month and category.
    for n in range(24):
        request = HelpRequestFactory(resident=residents[n % 7], category=categories[n % 3])
        HelpRequest.objects.filter(pk=request.pk).update(created_at=now - datetime.timedelta(days=19 * n + 1))
        requests.append(request)
    # One statement with three requests of one resident (the statement's rows counted together).
    HelpRequest.objects.bulk_create(
        [
            HelpRequest(resident=residents[0], category=categories[n % 2], description="Lot", created_at=now)
            for n in range(3)
        ]
    )
    assert_counts_match_the_requests(monkeypatch, north)

    HelpRequest.objects.filter(pk=requests[3].pk).update(category=categories[0])  # another category
    HelpRequest.objects.filter(pk=requests[4].pk).update(created_at=now - datetime.timedelta(days=400))
    HelpRequest.objects.filter(pk=requests[5].pk).update(resident=residents[1])  # another resident
    HelpRequest.objects.filter(pk=requests[6].pk).update(status="qualified")  # nothing counted changes
    HelpRequest.objects.filter(pk__in=[requests[7].pk, requests[14].pk]).delete()
    residents[2].quartier = north  # a resident moves, with all their requests
    residents[2].save()
    type(residents[3]).objects.filter(pk=residents[3].pk).update(quartier=None)
    assert_counts_match_the_requests(monkeypatch, north)

    before, after = fold_request_counts()
    assert before > after == RequestCount.objects.count()
    assert_counts_match_the_requests(monkeypatch, north)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_requests_of_one_resident_at_the_same_instant_are_all_counted(run_concurrently, monkeypatch):
    quartier = QuartierFactory(name="Centre")
    resident = ResidentFactory(quartier=quartier)
    # Any category (a transactional test before may have emptied the seeded ones).
    category = HelpCategory.objects.order_by("pk").first() or HelpCategoryFactory()

    def ask(n: int):
        HelpRequest.objects.create(resident=resident, category=category, description=f"Demande {n}")
        if n % 4 == 0:  # a fold running while others write loses nobody
            fold_request_counts()

    done, errors = run_concurrently(ask, list(range(12)))
    assert errors == []
    assert len(done) == 12
    assert_counts_match_the_requests(monkeypatch, quartier)
    fold_request_counts()
    assert_counts_match_the_requests(monkeypatch, quartier)
    assert _counted(Period())[0] == {"requests": 12, "residents_helped": 1}


def test_the_five_minute_job_folds_both_counts():
    out = StringIO()
    call_command("fold_volunteer_counts", stdout=out)
    assert "Décomptes de volontaires" in out.getvalue()
    assert "Décomptes de demandes" in out.getvalue()
