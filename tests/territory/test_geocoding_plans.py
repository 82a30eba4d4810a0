"""The offline geocoder finds a street's words through the trigram index (PostgreSQL; territory
0007): with a town's BAN, reading every address cost 11 to 58 ms per address placed."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from faker import Faker

from tests.plans import analyse, nodes, postgres_only
from villesolidaire.core.text import fold
from villesolidaire.territory.geocoding import geocode
from villesolidaire.territory.models import BanAddress

pytestmark = postgres_only

KINDS = ["Rue", "Avenue", "Impasse", "Chemin", "Allée", "Boulevard"]


@pytest.fixture
def town_addresses():
    """3,000 addresses: 300 streets (six kinds × 50 names, « Rue des Lilas » among them), 10 numbers each."""
    fake = Faker("fr_FR")
    fake.seed_instance(7)
    names = ["des Lilas", *sorted({fake.last_name() for _ in range(200)} - {"des Lilas"})[:49]]
    streets = [f"{kind} {name}" for kind in KINDS for name in names]
    BanAddress.objects.bulk_create(
        BanAddress(
            ban_id=f"99230_{s:04d}_{n:05d}",
            numero=str(n),
            nom_voie=street,
            code_postal="99230",
            code_insee="99230",
            nom_commune="Val-Solidaire",
            latitude=48.1 + n / 10000,
            longitude=-1.7 + s / 10000,
            search_text=fold(f"{street} Val-Solidaire"),
        )
        for s, street in enumerate(streets)
        for n in range(1, 11)
    )
    analyse(BanAddress)


def test_an_address_is_placed_through_the_trigram_index(town_addresses):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("pg_trgm is not installed: the geocoder reads every address (territory 0007)")
        cursor.execute("SELECT gin_clean_pending_list('ban_search_text_trgm'::regclass)")
        # At 3,000 rows reading the table is rightly cheaper: ruled out for this transaction only.
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            found = geocode("7 rue des Lilas", "99230", "Val-Solidaire")
        assert found is not None and found.label == "7 Rue des Lilas 99230 Val-Solidaire"
        cursor.execute(f"EXPLAIN (FORMAT JSON) {queries.captured_queries[0]['sql']}")
        (plan,) = cursor.fetchone()
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    indexes = {node.get("Index Name") for node in nodes(plan)}
    assert "ban_search_text_trgm" in indexes, json.dumps(plan, indent=1)
