import pytest
from django.test import RequestFactory

from tests.factories import UserFactory
from villesolidaire.accounts.models import User
from villesolidaire.core import pagination
from villesolidaire.core.pagination import paginate

ROWS = list(range(1, 121))  # 120 rows: three pages of 50


def page_for(number: str | None, **kwargs):
    query = {} if number is None else {"page": number}
    return paginate(RequestFactory().get("/liste/", query), ROWS, **kwargs)


def test_first_page_by_default_with_the_page_size_from_settings(settings):
    settings.VS_PAGE_SIZE = 50
    page = page_for(None)
    assert page.number == 1
    assert list(page) == ROWS[:50]
    assert page.paginator.num_pages == 3


def test_last_page_holds_the_remaining_rows(settings):
    settings.VS_PAGE_SIZE = 50
    page = page_for("3")
    assert list(page) == ROWS[100:]
    assert not page.has_next()


@pytest.mark.parametrize(("number", "expected"), [("999", 3), ("0", 3), ("-1", 3), ("abc", 1), ("", 1), ("2.5", 1)])
def test_out_of_range_or_non_numeric_page_never_fails(settings, number, expected):
    settings.VS_PAGE_SIZE = 50
    assert page_for(number).number == expected


def test_setting_changes_the_default_size(settings):
    settings.VS_PAGE_SIZE = 7
    assert len(page_for(None)) == 7


def test_explicit_size_wins_over_the_setting(settings):
    settings.VS_PAGE_SIZE = 50
    page = page_for("2", per_page=100)
    assert list(page) == ROWS[100:]


def test_empty_list_gives_one_empty_page():
    page = paginate(RequestFactory().get("/liste/", {"page": "4"}), [])
    assert page.number == 1 and list(page) == []


@pytest.mark.django_db
def test_a_deep_page_of_a_queryset_reads_its_keys_first_and_keeps_the_order(
    settings, monkeypatch, django_assert_num_queries
):
    UserFactory.create_batch(12)
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_FROM", 4)
    rows = User.objects.order_by("-email", "pk")
    expected = list(rows)
    request = RequestFactory().get("/liste/", {"page": "3"})
    with django_assert_num_queries(3):  # count, the page's keys, its rows
        page = paginate(request, rows.all(), per_page=4)
        found = list(page.object_list)
    assert found == expected[8:12]
    with django_assert_num_queries(2):  # a first page: count and rows, as before
        assert list(paginate(RequestFactory().get("/liste/"), rows.all(), per_page=4).object_list) == expected[:4]
