
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0001_bilan_introduction'),
    ]

    operations = [
        migrations.CreateModel(
            name='BilanSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=80, unique=True, verbose_name='bilan')),
                ('computed_at', models.DateTimeField(verbose_name='calculé le')),
                ('seconds', models.FloatField(verbose_name='durée du calcul (s)')),
                ('html', models.TextField(verbose_name='chiffres rendus')),
            ],
            options={
                'verbose_name': 'bilan précalculé',
                'verbose_name_plural': 'bilans précalculés',
            },
        ),
    ]
