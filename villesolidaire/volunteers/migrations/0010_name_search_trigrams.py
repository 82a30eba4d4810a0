from django.db import migrations

from villesolidaire.core.trigrams import create_trigram_indexes, drop_indexes

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


def create_name_indexes(apps, schema_editor):
    create_trigram_indexes(schema_editor, "volunteers_volunteer", INDEXES)


def drop_name_indexes(apps, schema_editor):
    drop_indexes(schema_editor, list(INDEXES))


class Migration(migrations.Migration):
    """Trigram indexes for the volunteer list's name search, on PostgreSQL (decision 0017)."""

    dependencies = [("volunteers", "0009_list_indexes_and_counts")]

    operations = [migrations.RunPython(create_name_indexes, drop_name_indexes)]
