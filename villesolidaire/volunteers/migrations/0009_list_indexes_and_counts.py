import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# On PostgreSQL, every insert, delete, or change of a volunteer's sign-up month, quartier, status or
# categories appends its deltas to VolunteerCount in the same transaction: -1 for the old key, +1
# for the new one, one row for the volunteer (category_bit NULL) and one per accepted category.
# The month is the local one of the service's time zone (settings.TIME_ZONE, as reporting's
# local_month reads it). Unqualified table name: in a town's schema (decision 0014) the search
# path finds the town's own table.
COUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION volunteer_count_deltas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO volunteers_volunteercount (month, quartier_id, status, category_bit, n)
        SELECT date_trunc('month', OLD.created_at AT TIME ZONE {zone})::date, OLD.quartier_id, OLD.status, bit, -1
        FROM (
            SELECT NULL::smallint AS bit
            UNION ALL
            SELECT b::smallint FROM generate_series(0, 62) AS b WHERE OLD.categories_mask & (1::bigint << b) <> 0
        ) AS bits;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO volunteers_volunteercount (month, quartier_id, status, category_bit, n)
        SELECT date_trunc('month', NEW.created_at AT TIME ZONE {zone})::date, NEW.quartier_id, NEW.status, bit, 1
        FROM (
            SELECT NULL::smallint AS bit
            UNION ALL
            SELECT b::smallint FROM generate_series(0, 62) AS b WHERE NEW.categories_mask & (1::bigint << b) <> 0
        ) AS bits;
    END IF;
    RETURN NULL;
END
$$
"""

# A save() that rewrites the same values (the admin, a profile edit) appends nothing.
COUNT_TRIGGERS = [
    "CREATE TRIGGER volunteer_count_insert_delete AFTER INSERT OR DELETE ON volunteers_volunteer "
    "FOR EACH ROW EXECUTE FUNCTION volunteer_count_deltas()",
    "CREATE TRIGGER volunteer_count_update AFTER UPDATE OF created_at, quartier_id, status, categories_mask "
    "ON volunteers_volunteer FOR EACH ROW WHEN ("
    "OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.quartier_id IS DISTINCT FROM NEW.quartier_id "
    "OR OLD.status IS DISTINCT FROM NEW.status OR OLD.categories_mask IS DISTINCT FROM NEW.categories_mask"
    ") EXECUTE FUNCTION volunteer_count_deltas()",
]

# The volunteers already there, one row per key (the triggers exist already and the volunteers'
# table is locked by CREATE TRIGGER until the migration commits: nobody is counted twice or missed).
BACKFILL = """
INSERT INTO volunteers_volunteercount (month, quartier_id, status, category_bit, n)
SELECT month, quartier_id, status, bit, count(*)
FROM (
    SELECT date_trunc('month', v.created_at AT TIME ZONE {zone})::date AS month, v.quartier_id, v.status, bits.bit
    FROM volunteers_volunteer AS v
    CROSS JOIN LATERAL (
        SELECT NULL::smallint AS bit
        UNION ALL
        SELECT b::smallint FROM generate_series(0, 62) AS b WHERE v.categories_mask & (1::bigint << b) <> 0
    ) AS bits
) AS keyed
GROUP BY month, quartier_id, status, bit
"""


def create_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: the bilan counts the volunteers themselves (decision 0015)
    # A literal, not a parameter: it goes inside the function's body. Django checked the name.
    zone = "'" + settings.TIME_ZONE.replace("'", "''") + "'"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COUNT_FUNCTION.replace("{zone}", zone))
        for statement in COUNT_TRIGGERS:
            cursor.execute(statement)
        cursor.execute(BACKFILL.replace("{zone}", zone))


def drop_count_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS volunteer_count_update ON volunteers_volunteer")
        cursor.execute("DROP TRIGGER IF EXISTS volunteer_count_insert_delete ON volunteers_volunteer")
        cursor.execute("DROP FUNCTION IF EXISTS volunteer_count_deltas()")


class Migration(migrations.Migration):
    """Indexes matching the coordinators' volunteer list, and the volunteers' counts the bilan reads
    (VolunteerCount, kept by a trigger on PostgreSQL: decision 0015)."""

    dependencies = [
        ("territory", "0006_town_is_intercommunal"),
        ("volunteers", "0008_bilan_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="VolunteerCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(verbose_name="mois d'inscription")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("registered", "Inscrit·e"),
                            ("active", "Actif·ve"),
                            ("paused", "En pause"),
                            ("reserve", "En réserve"),
                            ("withdrawn", "Désisté·e"),
                        ],
                        max_length=12,
                        verbose_name="statut",
                    ),
                ),
                ("category_bit", models.SmallIntegerField(null=True, verbose_name="catégorie acceptée (bit)")),
                ("n", models.IntegerField(verbose_name="nombre")),
            ],
            options={
                "verbose_name": "décompte de volontaires",
                "verbose_name_plural": "décomptes de volontaires",
            },
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["last_name", "first_name", "id"], name="volunteer_list_order"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["status", "last_name", "first_name", "id"], name="volunteer_list_by_status"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(
                fields=["quartier", "last_name", "first_name", "id"], name="volunteer_list_by_quartier"
            ),
        ),
        migrations.AddField(
            model_name="volunteercount",
            name="quartier",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="territory.quartier",
                verbose_name="quartier",
            ),
        ),
        migrations.AddIndex(
            model_name="volunteercount",
            index=models.Index(
                fields=["month"], include=("quartier", "status", "category_bit", "n"), name="volunteer_count_month"
            ),
        ),
        migrations.RunPython(create_count_triggers, drop_count_triggers),
    ]
