from django.db import migrations

from villesolidaire.core.trigrams import create_trigram_indexes, drop_indexes

# The offline geocoder (territory.geocoding.OfflineBanGeocoder) looks for each folded word of an
# address with `search_text LIKE '%word%'`: every sign-up, request and address autocomplete runs
# two to four such queries. With 45,000 addresses (a town's BAN) they read every row: 11 ms to place
# a known address, 58 ms for one the BAN does not know; with this index 1.8 and 7.9 ms.
INDEX = "ban_search_text_trgm"


def create_search_index(apps, schema_editor):
    create_trigram_indexes(schema_editor, "territory_banaddress", {INDEX: "search_text"})


def drop_search_index(apps, schema_editor):
    drop_indexes(schema_editor, [INDEX])


class Migration(migrations.Migration):
    """A trigram index for the offline geocoder's word search, on PostgreSQL (core.trigrams)."""

    dependencies = [("territory", "0006_town_is_intercommunal")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
