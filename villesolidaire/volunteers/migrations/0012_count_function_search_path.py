from django.db import migrations

from villesolidaire.core.counts import pin_search_path


class Migration(migrations.Migration):
    """The volunteers' count trigger function keeps its town's search path (core.counts)."""

    dependencies = [("volunteers", "0011_volunteer_search_name")]

    operations = [pin_search_path("volunteer_count_deltas()")]
