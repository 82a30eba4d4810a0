"""The officer's lists cost the same number of queries with 3 rows or 15: no query per row."""

from django.urls import reverse

from tests.factories import QuartierFactory
from tests.factories.register import RegisterEntryFactory
from villesolidaire.register.models import Origin, RegisterImport

FEW, MANY = 3, 15


def _same_count_with_more_rows(client, url, add_rows, assert_max, assert_exact, *, ceiling: int):
    """Add FEW rows, measure the page; add rows up to MANY, the page costs exactly the same."""
    add_rows(FEW)
    client.get(url)  # session and caches warm, as in the other list tests
    with assert_max(ceiling) as few:
        response = client.get(url)
    assert response.status_code == 200
    add_rows(MANY - FEW)
    with assert_exact(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_acknowledgements_due_query_count_does_not_grow(
    officer_client, django_assert_max_num_queries, django_assert_num_queries
):
    def add_rows(count):
        for _ in range(count):
            RegisterEntryFactory(received=True, quartier=QuartierFactory())
            RegisterEntryFactory(received=True, origin=Origin.DEPARTEMENT, quartier=QuartierFactory())

    response = _same_count_with_more_rows(
        officer_client,
        reverse("register:acknowledgements_due"),
        add_rows,
        django_assert_max_num_queries,
        django_assert_num_queries,
        ceiling=15,
    )
    assert response.context["page_obj"].paginator.count == MANY
    assert len(response.context["pre_registrations"]) == MANY


def test_confirmations_due_query_count_does_not_grow(
    officer_client, django_assert_max_num_queries, django_assert_num_queries
):
    def add_rows(count):
        for _ in range(count):
            RegisterEntryFactory(confirmed_on=None, quartier=QuartierFactory())

    response = _same_count_with_more_rows(
        officer_client,
        reverse("register:confirmation_due"),
        add_rows,
        django_assert_max_num_queries,
        django_assert_num_queries,
        ceiling=15,
    )
    assert response.context["page_obj"].paginator.count == MANY


def test_import_detail_query_count_does_not_grow(
    officer_client, officer, django_assert_max_num_queries, django_assert_num_queries
):
    batch = RegisterImport.objects.create(origin=Origin.DEPARTEMENT, imported_by=officer, file_name="cd.csv")

    def add_rows(count):
        for _ in range(count):
            RegisterEntryFactory(
                received=True, origin=Origin.DEPARTEMENT, import_batch=batch, quartier=QuartierFactory()
            )

    response = _same_count_with_more_rows(
        officer_client,
        reverse("register:import_detail", args=[batch.pk]),
        add_rows,
        django_assert_max_num_queries,
        django_assert_num_queries,
        ceiling=15,
    )
    assert response.context["page_obj"].paginator.count == MANY
