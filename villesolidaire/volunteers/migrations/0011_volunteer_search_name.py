from django.db import migrations, models

from villesolidaire.core.text import fold
from villesolidaire.core.trigrams import create_trigram_indexes

# The coordinators' name search ignores accents and case (« helene » finds « Hélène »): it looks
# for each folded word in a folded copy of the name, `search_name` (core.text.fold, written by
# Volunteer.save), with `LIKE '%word%'`. One trigram GIN index on that column serves it on
# PostgreSQL, in place of the two of 0010 on UPPER(first_name) and UPPER(last_name), which the
# search no longer uses. As in 0010, without pg_trgm the search reads every name.
BATCH = 1000
TABLE = "volunteers_volunteer"
INDEX = "volunteer_search_name_trgm"
OLD_INDEXES = {
    "volunteer_first_name_trgm": "UPPER(first_name::text)",
    "volunteer_last_name_trgm": "UPPER(last_name::text)",
}


def fill_search_names(apps, schema_editor):
    volunteer_model = apps.get_model("volunteers", "Volunteer")
    rows = volunteer_model.objects.using(schema_editor.connection.alias).only("pk", "first_name", "last_name")
    batch = []
    for row in rows.order_by("pk").iterator(chunk_size=BATCH):
        row.search_name = fold(f"{row.last_name} {row.first_name}")
        batch.append(row)
        if len(batch) == BATCH:
            volunteer_model.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_name"])
            batch = []
    volunteer_model.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_name"])


def create_search_name_index(apps, schema_editor):
    create_trigram_indexes(schema_editor, TABLE, {INDEX: "search_name"}, dropped=list(OLD_INDEXES))


def restore_name_indexes(apps, schema_editor):
    create_trigram_indexes(schema_editor, TABLE, OLD_INDEXES, dropped=[INDEX])


class Migration(migrations.Migration):
    """The volunteers' name search without accents or case, on a folded column (decision 0017)."""

    dependencies = [("volunteers", "0010_name_search_trigrams")]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=170),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_search_name_index, restore_name_indexes),
    ]
