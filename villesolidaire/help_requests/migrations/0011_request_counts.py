import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The counts a set of requests gives (decision 0017), given as three aligned arrays (resident,
# creation time, category): one row per resident × local month × category, and one per resident ×
# local month (category NULL), each with the resident's previous month (within the category for
# the first kind) and the number of requests. The month is the local one of the service's time
# zone (settings.TIME_ZONE, as reporting's local_month reads it). Unqualified table names: in a
# town's schema (decision 0014) the search path finds the town's own tables.
ROWS_FUNCTION = """
CREATE OR REPLACE FUNCTION request_count_rows(asked_residents bigint[], asked_at timestamptz[], asked_categories bigint[])
RETURNS TABLE (who bigint, asked_month date, asked_category bigint, previous date, n bigint)
LANGUAGE sql STABLE AS $$
    WITH asked AS (
        SELECT r AS resident, date_trunc('month', a AT TIME ZONE {zone})::date AS month, c AS category
        FROM unnest(asked_residents, asked_at, asked_categories) AS asked (r, a, c)
    )
    SELECT resident, month, category, lag(month) OVER (PARTITION BY resident, category ORDER BY month), count(*)
    FROM asked GROUP BY resident, month, category
    UNION ALL
    SELECT resident, month, NULL::bigint, lag(month) OVER (PARTITION BY resident ORDER BY month), count(*)
    FROM asked GROUP BY resident, month
$$
"""

# A write changes the counts of the residents whose requests it touched, as a whole (a new request
# can change the previous month of a later one): their rows now, minus their rows before the
# statement (now, without the statement's new rows, with its old ones), appended as deltas. The
# residents are locked first, so two transactions never recount one resident from the same
# starting point; NO KEY UPDATE does not wait for the foreign key checks of requests being written.
RECOUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION request_count_recount(
    changed bigint[], skipped bigint[], added_residents bigint[], added_at timestamptz[], added_categories bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    now_residents bigint[]; now_at timestamptz[]; now_categories bigint[];
    was_residents bigint[]; was_at timestamptz[]; was_categories bigint[];
BEGIN
    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM residents_resident WHERE id = ANY(changed) ORDER BY id FOR NO KEY UPDATE;
    SELECT coalesce(array_agg(resident_id), '{}'), coalesce(array_agg(created_at), '{}'),
           coalesce(array_agg(category_id), '{}')
    INTO now_residents, now_at, now_categories
    FROM help_requests_helprequest WHERE resident_id = ANY(changed);
    SELECT coalesce(array_agg(r), '{}'), coalesce(array_agg(a), '{}'), coalesce(array_agg(c), '{}')
    INTO was_residents, was_at, was_categories
    FROM (
        SELECT resident_id, created_at, category_id FROM help_requests_helprequest
        WHERE resident_id = ANY(changed) AND NOT id = ANY(skipped)
        UNION ALL
        SELECT * FROM unnest(added_residents, added_at, added_categories)
    ) AS was (r, a, c);
    INSERT INTO help_requests_requestcount (month, quartier_id, category_id, since, requests, residents)
    SELECT asked_month, resident.quartier_id, asked_category, previous, sum(sign * n), sum(sign)
    FROM (
        SELECT 1 AS sign, * FROM request_count_rows(now_residents, now_at, now_categories)
        UNION ALL
        SELECT -1, * FROM request_count_rows(was_residents, was_at, was_categories)
    ) AS delta
    JOIN residents_resident AS resident ON resident.id = delta.who
    GROUP BY asked_month, resident.quartier_id, asked_category, previous
    HAVING sum(sign * n) <> 0 OR sum(sign) <> 0;
END
$$
"""

# Statement triggers with transition tables: a bulk insert of many requests of one resident is
# recounted once, from the state before the whole statement.
STATEMENT_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION request_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM request_count_recount(
        ARRAY(SELECT DISTINCT resident_id FROM new_rows), ARRAY(SELECT id FROM new_rows), '{}', '{}', '{}'
    );
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION request_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    residents bigint[]; created timestamptz[]; categories bigint[];
BEGIN
    SELECT array_agg(resident_id), array_agg(created_at), array_agg(category_id)
    INTO residents, created, categories FROM old_rows;
    IF residents IS NOT NULL THEN
        PERFORM request_count_recount(ARRAY(SELECT DISTINCT unnest(residents)), '{}', residents, created, categories);
    END IF;
    RETURN NULL;
END
$$
""",
    # Only requests whose resident, creation time or category changed (a status change: nothing).
    """
CREATE OR REPLACE FUNCTION request_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved bigint[]; residents bigint[]; created timestamptz[]; categories bigint[]; new_residents bigint[];
BEGIN
    SELECT array_agg(o.id), array_agg(o.resident_id), array_agg(o.created_at), array_agg(o.category_id),
           array_agg(n.resident_id)
    INTO moved, residents, created, categories, new_residents
    FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
    WHERE o.resident_id <> n.resident_id OR o.created_at <> n.created_at OR o.category_id <> n.category_id;
    IF moved IS NOT NULL THEN
        PERFORM request_count_recount(
            ARRAY(SELECT DISTINCT unnest(residents || new_residents)), moved, residents, created, categories
        );
    END IF;
    RETURN NULL;
END
$$
""",
    # A resident moving to another quartier takes their counts along (row trigger: one resident's
    # counts do not depend on another's).
    """
CREATE OR REPLACE FUNCTION request_count_resident_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO help_requests_requestcount (month, quartier_id, category_id, since, requests, residents)
    SELECT asked_month, moved.quartier, asked_category, previous, moved.sign * n, moved.sign
    FROM request_count_rows(
        ARRAY(SELECT resident_id FROM help_requests_helprequest WHERE resident_id = NEW.id ORDER BY id),
        ARRAY(SELECT created_at FROM help_requests_helprequest WHERE resident_id = NEW.id ORDER BY id),
        ARRAY(SELECT category_id FROM help_requests_helprequest WHERE resident_id = NEW.id ORDER BY id)
    ) CROSS JOIN (VALUES (-1, OLD.quartier_id), (1, NEW.quartier_id)) AS moved (sign, quartier);
    RETURN NULL;
END
$$
""",
]

TRIGGERS = [
    "CREATE TRIGGER request_count_insert AFTER INSERT ON help_requests_helprequest "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_count_inserted()",
    "CREATE TRIGGER request_count_delete AFTER DELETE ON help_requests_helprequest "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION request_count_deleted()",
    "CREATE TRIGGER request_count_update AFTER UPDATE ON help_requests_helprequest "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_count_updated()",
    "CREATE TRIGGER request_count_resident_moved AFTER UPDATE OF quartier_id ON residents_resident FOR EACH ROW "
    "WHEN (OLD.quartier_id IS DISTINCT FROM NEW.quartier_id) EXECUTE FUNCTION request_count_resident_moved()",
]

# The requests already there, one row per key (CREATE TRIGGER locks both tables against writes
# until the migration commits: nothing is counted twice or missed). Three arrays read apart: each
# in the requests' order, so that they stay aligned.
BACKFILL = """
INSERT INTO help_requests_requestcount (month, quartier_id, category_id, since, requests, residents)
SELECT asked_month, resident.quartier_id, asked_category, previous, sum(n), count(*)
FROM request_count_rows(
    (SELECT coalesce(array_agg(resident_id ORDER BY id), '{}') FROM help_requests_helprequest),
    (SELECT coalesce(array_agg(created_at ORDER BY id), '{}') FROM help_requests_helprequest),
    (SELECT coalesce(array_agg(category_id ORDER BY id), '{}') FROM help_requests_helprequest)
) JOIN residents_resident AS resident ON resident.id = who
GROUP BY asked_month, resident.quartier_id, asked_category, previous
"""

DROPPED = [
    "DROP TRIGGER IF EXISTS request_count_resident_moved ON residents_resident",
    "DROP TRIGGER IF EXISTS request_count_update ON help_requests_helprequest",
    "DROP TRIGGER IF EXISTS request_count_delete ON help_requests_helprequest",
    "DROP TRIGGER IF EXISTS request_count_insert ON help_requests_helprequest",
    "DROP FUNCTION IF EXISTS request_count_resident_moved()",
    "DROP FUNCTION IF EXISTS request_count_updated()",
    "DROP FUNCTION IF EXISTS request_count_deleted()",
    "DROP FUNCTION IF EXISTS request_count_inserted()",
    "DROP FUNCTION IF EXISTS request_count_recount(bigint[], bigint[], bigint[], timestamptz[], bigint[])",
    "DROP FUNCTION IF EXISTS request_count_rows(bigint[], timestamptz[], bigint[])",
]


def create_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: the bilan counts the requests themselves (decision 0017)
    # A literal, not a parameter: it goes inside the function's body. Django checked the name.
    zone = "'" + settings.TIME_ZONE.replace("'", "''") + "'"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(ROWS_FUNCTION.replace("{zone}", zone))
        cursor.execute(RECOUNT_FUNCTION)
        for statement in STATEMENT_FUNCTIONS + TRIGGERS:
            cursor.execute(statement)
        cursor.execute(BACKFILL)


def drop_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in DROPPED:
            cursor.execute(statement)


class Migration(migrations.Migration):
    """The requests' and residents' counts the bilan reads (RequestCount, kept by triggers on
    PostgreSQL: decision 0017)."""

    dependencies = [
        ("help_requests", "0010_list_index"),
        ("residents", "0003_list_index"),
        ("territory", "0006_town_is_intercommunal"),
    ]

    operations = [
        migrations.CreateModel(
            name="RequestCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="mois")),
                ("since", models.DateField(null=True, verbose_name="mois de la demande précédente")),
                ("requests", models.IntegerField(verbose_name="demandes")),
                ("residents", models.IntegerField(verbose_name="habitant·es")),
                (
                    "category",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="help_requests.helpcategory",
                        verbose_name="catégorie",
                    ),
                ),
                (
                    "quartier",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="territory.quartier",
                        verbose_name="quartier",
                    ),
                ),
            ],
            options={
                "verbose_name": "décompte de demandes",
                "verbose_name_plural": "décomptes de demandes",
                "indexes": [
                    models.Index(
                        fields=["month"],
                        include=("quartier", "category", "since", "requests", "residents"),
                        name="request_count_month",
                    )
                ],
            },
        ),
        migrations.RunPython(create_count_triggers, drop_count_triggers),
    ]
