"""The volunteers' engagement domains in the matching index: the selection of who to tell
about a partner's need reads this narrow table alone (needs.selectors, issue 14)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_domains(apps, schema_editor):
    Profile = apps.get_model("matching", "VolunteerMatchProfile")
    Volunteer = apps.get_model("volunteers", "Volunteer")
    domains = Volunteer.objects.filter(pk=OuterRef("volunteer_id")).values("domains")[:1]
    Profile.objects.update(domains_mask=Subquery(domains))


class Migration(migrations.Migration):
    dependencies = [("matching", "0007_position_index"), ("volunteers", "0008_bilan_indexes")]

    operations = [
        migrations.AddField(
            model_name="volunteermatchprofile", name="domains_mask", field=models.BigIntegerField(default=0)
        ),
        migrations.RunPython(copy_domains, migrations.RunPython.noop),
    ]
