from collections import defaultdict

from django.db import migrations, models

BATCH = 2000


def fill_masks(apps, schema_editor):
    """Every volunteer's mask from their accepted categories (HelpCategory.bit)."""
    Volunteer = apps.get_model("volunteers", "Volunteer")
    masks: dict[int, int] = defaultdict(int)
    for volunteer_id, bit in Volunteer.categories.through.objects.values_list("volunteer_id", "helpcategory__bit"):
        masks[volunteer_id] |= 1 << bit
    rows = [Volunteer(pk=pk, categories_mask=mask) for pk, mask in masks.items()]
    Volunteer.objects.bulk_update(rows, ["categories_mask"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0006_volunteer_inactivity_notice"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="categories_mask",
            field=models.BigIntegerField(default=0, editable=False, verbose_name="catégories acceptées (masque)"),
        ),
        migrations.RunPython(fill_masks, migrations.RunPython.noop),
    ]
