"""Reading PostgreSQL's query plans of a list page (issue 14: lists read in their index's order).

A test fills the table with a few thousand rows, ANALYZEs it (so that the planner, as on a real
town's tables, prefers the index to reading and sorting everything: no `enable_seqscan` trick),
opens the page, and asks `page_plan` for the plan of the query that read the page's rows."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans")


def analyse(*models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def page_plan(client, url: str, table: str) -> dict:
    """The plan of the query of the page at `url` that reads its rows from `table`: the one ordered
    and limited (the paginator's COUNT is neither; looking up one row by key is not ordered)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    reads = [
        query["sql"]
        for query in queries
        if f'FROM "{table}"' in query["sql"] and "ORDER BY" in query["sql"] and "LIMIT" in query["sql"]
    ]
    assert len(reads) == 1, reads
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {reads[0]}")
        (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict) -> list[dict]:
    """Every node of a plan, depth first."""
    return [plan, *(node for child in plan.get("Plans", []) for node in nodes(child))]


def assert_read_in_index_order(plan: dict, index: str) -> None:
    """The page's rows come off `index`, in order: no Sort node (which would sort every matching row)."""
    indexes = {node.get("Index Name") for node in nodes(plan)}
    assert index in indexes, json.dumps(plan, indent=1)
    assert not [node for node in nodes(plan) if "Sort" in node["Node Type"]], json.dumps(plan, indent=1)
