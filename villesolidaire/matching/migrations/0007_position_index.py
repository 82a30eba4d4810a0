"""PostgreSQL indexes of the ranking that stops early (matching/nearby.py, issue 14).

- match_position: GiST on point(longitude, latitude), the table clustered on it (the nightly
  `cluster_matching_index` keeps it so), for nearest-first and box searches;
- match_position_trained: the same for the volunteers holding a training (categories that
  require one read only these);
- match_reach: GiST on the position shifted per class of the volunteer's own distance, for
  reading around the request only as far as each class can score (`vs_match_reach_point`);
- match_features: GIN on the volunteers' features (categories, skills, languages, weekly slots,
  trainings as one integer array, `vs_match_features`), for the rare tiers of bonuses;
- match_unlocated: the eligible volunteers without a position (no distance points);
- match_eligible_radius: the widest distance an eligible volunteer accepts, read index-only.
SQLite has none of them: it ranks by the full scan.
"""

from django.db import migrations

TABLE = "matching_volunteermatchprofile"
# Immutable, so an index may use it. Bits 0-62 of each mask (core.fields.MAX_INDEX_BIT).
FEATURES_FUNCTION = """
CREATE OR REPLACE FUNCTION vs_match_features(
    categories bigint, skills bigint, languages bigint, availability bigint, trainings bigint
) RETURNS int[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(
    SELECT b FROM generate_series(0, 62) b WHERE categories & (1::bigint << b) <> 0
    UNION ALL SELECT 100 + b FROM generate_series(0, 62) b WHERE skills & (1::bigint << b) <> 0
    UNION ALL SELECT 200 + b FROM generate_series(0, 62) b WHERE languages & (1::bigint << b) <> 0
    UNION ALL SELECT 300 + b FROM generate_series(0, 20) b WHERE availability & (1::bigint << b) <> 0
    UNION ALL SELECT 400 + b FROM generate_series(0, 62) b WHERE trainings & (1::bigint << b) <> 0)
$$
"""
# The volunteer's position moved 1000° east per class of their own distance (classes: up to 1 km,
# 2, 3, 5, 8, 10, 15, 20, 30, 50 km, more): one GiST index answers "within R_c of the request
# for class c" with a box per class, so far volunteers are only read when their own distance
# lets them score (nearby.RADIUS_CLASSES).
REACH_FUNCTION = """
CREATE OR REPLACE FUNCTION vs_match_reach_point(longitude float8, latitude float8, max_distance_km float8)
RETURNS point LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT point(longitude + 1000 * (CASE
    WHEN max_distance_km <= 1 THEN 0 WHEN max_distance_km <= 2 THEN 1 WHEN max_distance_km <= 3 THEN 2
    WHEN max_distance_km <= 5 THEN 3 WHEN max_distance_km <= 8 THEN 4 WHEN max_distance_km <= 10 THEN 5
    WHEN max_distance_km <= 15 THEN 6 WHEN max_distance_km <= 20 THEN 7 WHEN max_distance_km <= 30 THEN 8
    WHEN max_distance_km <= 50 THEN 9 ELSE 10 END), latitude)
$$
"""
FEATURES = "vs_match_features(categories_mask, skills_mask, languages_mask, availability_mask, trainings_mask)"
CREATE = [
    f"CREATE INDEX IF NOT EXISTS match_position ON {TABLE} USING gist (point(longitude, latitude))",
    f"CREATE INDEX IF NOT EXISTS match_position_trained ON {TABLE} USING gist (point(longitude, latitude)) "
    "WHERE trainings_mask <> 0",
    FEATURES_FUNCTION,
    REACH_FUNCTION,
    # Not partial: a partial index on is_eligible is one PostgreSQL may read whole to find the
    # eligible rows (it did: the GIN one, 100 ms for a need's selection instead of a sequential scan).
    f"CREATE INDEX IF NOT EXISTS match_reach ON {TABLE} "
    "USING gist (vs_match_reach_point(longitude, latitude, max_distance_km))",
    f"CREATE INDEX IF NOT EXISTS match_features ON {TABLE} USING gin ({FEATURES})",
    f"CREATE INDEX IF NOT EXISTS match_unlocated ON {TABLE} (volunteer_id) "
    "WHERE is_eligible AND (latitude IS NULL OR longitude IS NULL)",
    f"CREATE INDEX IF NOT EXISTS match_eligible_radius ON {TABLE} (is_eligible, max_distance_km)",
    f"ALTER TABLE {TABLE} CLUSTER ON match_position",
    # The ranking's statements read a few thousand rows: starting parallel workers cost more than
    # they saved (a 33 ms ranking spent 8 to 25 ms in Gather on a busy machine).
    f"ALTER TABLE {TABLE} SET (parallel_workers = 0)",
]
DROP = [
    f"ALTER TABLE {TABLE} RESET (parallel_workers)",
    *(
        f"DROP INDEX IF EXISTS {name}"
        for name in (
            "match_position",
            "match_position_trained",
            "match_reach",
            "match_features",
            "match_unlocated",
            "match_eligible_radius",
        )
    ),
    "DROP FUNCTION IF EXISTS vs_match_reach_point(float8, float8, float8)",
    "DROP FUNCTION IF EXISTS vs_match_features(bigint, bigint, bigint, bigint, bigint)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("matching", "0006_token_hash")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
