"""Crisis episodes now live in the `crises` app, in the tables created here (decision 0013).

The campaigns' and briefings' foreign keys point at `crises.Episode`, then the old models leave
the state. Nothing runs on the database: the tables, their rows and their constraints stay.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0010_briefings'),
        ('crises', '0001_episodes_from_campaigns'),
        # Every foreign key to the old model is moved before the model leaves the state.
        ('register', '0007_prefect_transmission_episode_in_crises'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='campaign',
                    name='episode',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='crises.episode', verbose_name='épisode'),
                ),
                migrations.AlterField(
                    model_name='briefing',
                    name='episode',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='briefings', to='crises.episode', verbose_name='épisode'),
                ),
                migrations.DeleteModel(name='EpisodeTransition'),
                migrations.DeleteModel(name='Episode'),
            ],
        ),
    ]
