"""Shared helpers for the bench scripts: Django set-up, percentiles, result fragments.

Each script appends its figures to a fragment under var/bench/; bench/report.py merges them
into bench/results.json and docs/benchmarks.md. The bench reports timings, it never asserts them.
"""

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
