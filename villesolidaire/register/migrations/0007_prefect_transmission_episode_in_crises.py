"""The préfet transmissions' episode is now `crises.Episode`, the same table (decision 0013):
the state changes, the database does not."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crises', '0001_episodes_from_campaigns'),
        ('register', '0006_name_search_keys'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='prefecttransmission',
                    name='episode',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='crises.episode', verbose_name='épisode'),
                ),
            ],
        ),
    ]
