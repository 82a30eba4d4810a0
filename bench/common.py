"""Shared helpers for the bench scripts: Django set-up, percentiles, result fragments.

Each script appends its figures to a fragment under var/bench/; bench/report.py merges them
into bench/results.json and docs/benchmarks.md. The bench reports timings, it never asserts them.
"""

import gc
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAGMENTS = ROOT / "var" / "bench"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def freeze_like_wsgi() -> None:
    """What config/wsgi.py does in a served process once the app is loaded: the objects alive now
    are left out of the garbage collector's full collections. Called after the warm-up of the
    pages timed in this process through the test client."""
    gc.collect()
    gc.freeze()


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def record(fragment: str, rows: list[dict]) -> None:
    FRAGMENTS.mkdir(parents=True, exist_ok=True)
    path = FRAGMENTS / f"{fragment}.json"
    existing = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(existing + rows, indent=2, ensure_ascii=False))
    for row in rows:
        print(f"  {row['name']}: {row['value']} {row['unit']}", flush=True)


def centre() -> tuple[float, float]:
    """The demo town's centre (bench volunteers and places are spread around it)."""
    from villesolidaire.territory.models import Town

    town = Town.current()
    if town and town.centre_latitude is not None:
        return town.centre_latitude, town.centre_longitude
    return 47.215, 0.642


def position(rng, lat0: float, lon0: float) -> tuple[float, float]:
    """Most people in town (a dense centre), the rest in the outskirts up to 15 km away."""
    from villesolidaire.territory.geometry import km_per_degree_lon

    if rng.random() < 0.7:
        dx, dy = rng.gauss(0, 3.0), rng.gauss(0, 3.0)
    else:
        dx, dy = rng.uniform(-15, 15), rng.uniform(-15, 15)
    return lat0 + dy / 110.574, lon0 + dx / km_per_degree_lon(lat0)


def bulk_insert(model, objects: list) -> None:
    """Insert model instances fast: COPY on PostgreSQL (ids taken from the table's sequence and
    set on the instances, as bulk_create does), bulk_create elsewhere. For generating the
    million-volunteer towns, where INSERT … VALUES took most of the run."""
    from django.db import connections

    connection = connections["default"]  # the wrapper itself: the proxy costs a lookup per value
    if connection.vendor != "postgresql" or not objects:
        model.objects.bulk_create(objects, batch_size=5000)
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objects)],
            )
            for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                instance.pk = pk
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        # Plain numbers, text and booleans go as they are; other fields through their own conversion.
        plain = {"IntegerField", "BigIntegerField", "FloatField", "CharField", "BooleanField", "TextField"}
        converters = [(field.attname, None if field.get_internal_type() in plain else field) for field in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for instance in objects:
                values = instance.__dict__
                copy.write_row(
                    [
                        values[name] if field is None else field.get_db_prep_save(values[name], connection)
                        for name, field in converters
                    ]
                )
    for instance in objects:
        instance._state.adding = False
        instance._state.db = "default"
