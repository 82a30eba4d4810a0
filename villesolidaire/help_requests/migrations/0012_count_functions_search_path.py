from django.db import migrations

from villesolidaire.core.counts import pin_search_path


class Migration(migrations.Migration):
    """The requests' count functions keep their town's search path (core.counts)."""

    dependencies = [("help_requests", "0011_request_counts")]

    operations = [
        pin_search_path(
            "request_count_rows(bigint[], timestamptz[], bigint[])",
            "request_count_recount(bigint[], bigint[], bigint[], timestamptz[], bigint[])",
            "request_count_inserted()",
            "request_count_deleted()",
            "request_count_updated()",
            "request_count_resident_moved()",
        )
    ]
