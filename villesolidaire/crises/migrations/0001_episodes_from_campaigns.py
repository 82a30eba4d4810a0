"""Crisis episodes move from campaigns to their own app, tables unchanged (decision 0013).

The models are created in the migration state only: their tables (`campaigns_episode`,
`campaigns_episode_quartiers`, `campaigns_episodetransition`) stay as campaigns created them, with
every row. `campaigns.0011` and `register.0007` then point their foreign keys at `crises.Episode`
and drop the old models from the state, again without touching the database. The content types
follow, so that permissions and admin history rows still name the right model.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("episode", "episodetransition")


def move_content_types(source: str, destination: str):
    def run(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        alias = schema_editor.connection.alias
        for model in MOVED:
            if not content_type.objects.using(alias).filter(app_label=destination, model=model).exists():
                content_type.objects.using(alias).filter(app_label=source, model=model).update(app_label=destination)

    return run


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('campaigns', '0010_briefings'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('territory', '0002_town_need_notification_threshold'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Episode',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('heatwave', 'Canicule'), ('cold', 'Grand froid'), ('epidemic', 'Épidémie'), ('flood', 'Inondation'), ('other', 'Autre')], max_length=12, verbose_name='type')),
                    ('level', models.CharField(choices=[('yellow', 'Jaune'), ('orange', 'Orange'), ('red', 'Rouge')], max_length=8, verbose_name='niveau')),
                    ('title', models.CharField(blank=True, max_length=120, verbose_name='intitulé')),
                    ('starts_on', models.DateField(verbose_name='début')),
                    ('ends_on', models.DateField(blank=True, help_text="Laisser vide tant que l'épisode dure.", null=True, verbose_name='fin')),
                    ('declared_at', models.DateTimeField(auto_now_add=True, verbose_name='déclaré le')),
                    ('notes', models.TextField(blank=True, max_length=2000, verbose_name='remarques')),
                    ('status', models.CharField(choices=[('ongoing', 'En cours'), ('closed', 'Clos')], default='ongoing', max_length=8, verbose_name='état')),
                    ('declared_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='déclaré par')),
                    ('quartiers', models.ManyToManyField(blank=True, db_table='campaigns_episode_quartiers', related_name='+', to='territory.quartier', verbose_name='quartiers concernés')),
                ],
                options={
                    'verbose_name': 'épisode',
                    'verbose_name_plural': 'épisodes',
                    'db_table': 'campaigns_episode',
                    'ordering': ('-starts_on', '-pk'),
                },
            ),
            migrations.CreateModel(
                name='EpisodeTransition',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='le')),
                    ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                    ('from_status', models.CharField(blank=True, choices=[('ongoing', 'En cours'), ('closed', 'Clos')], max_length=8, verbose_name='de')),
                    ('to_status', models.CharField(choices=[('ongoing', 'En cours'), ('closed', 'Clos')], max_length=8, verbose_name='vers')),
                    ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='par')),
                    ('episode', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='crises.episode')),
                ],
                options={
                    'verbose_name': 'changement de statut',
                    'verbose_name_plural': 'historique des statuts',
                    'db_table': 'campaigns_episodetransition',
                    'ordering': ['at', 'pk'],
                    'abstract': False,
                },
            ),
            migrations.AddConstraint(
                model_name='episode',
                constraint=models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='episode_ends_after_start'),
            ),
            ],
        ),
        migrations.RunPython(move_content_types("campaigns", "crises"), move_content_types("crises", "campaigns")),
    ]
