import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes the bilan reads at 100,000 volunteers: the sign-up date with the columns a period's
    volunteers are grouped by (index-only scans on PostgreSQL), and each volunteer's history in
    date order (core.workflow.status_as_of)."""

    dependencies = [
        ("volunteers", "0007_volunteer_categories_mask"),
    ]

    operations = [
        migrations.AlterField(
            model_name="volunteer",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="inscrit·e le"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(
                fields=["created_at"],
                include=("id", "quartier", "status", "categories_mask", "domains", "recruitment_call"),
                name="volunteer_signup_facts",
            ),
        ),
        migrations.AddIndex(
            model_name="volunteerstatuschange",
            index=models.Index(
                fields=["volunteer", "at", "id"], include=("from_status",), name="volunteer_status_as_of"
            ),
        ),
    ]
