from django.db import DatabaseError, migrations, transaction

# The coordinators' list searches a word anywhere in the first or last name (VolunteerQuerySet.
# search_name: `icontains`, which PostgreSQL writes UPPER(column::text) LIKE UPPER('%word%')). A
# B-tree cannot serve a pattern that starts with %: at 100,000 volunteers every name was read.
# Trigram GIN indexes on those very expressions find the few matching rows (words of three letters
# or more). pg_trgm is a trusted extension (PostgreSQL 13+: the database's owner may create it);
# created in `public`, which every town's search path ends with (decision 0014). Where it is not
# available or not allowed, the list works as before, reading every name.
INDEXES = {
    "volunteer_first_name_trgm": "UPPER(first_name::text)",
    "volunteer_last_name_trgm": "UPPER(last_name::text)",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: a town's few thousand volunteers are read in milliseconds
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                for name, expression in INDEXES.items():
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {name} ON volunteers_volunteer USING gin ({expression} gin_trgm_ops)"
                    )
        except DatabaseError:
            return  # not allowed to create the extension: the search reads every name, as before


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """Trigram indexes for the volunteer list's name search, on PostgreSQL (decision 0017)."""

    dependencies = [("volunteers", "0009_list_indexes_and_counts")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
