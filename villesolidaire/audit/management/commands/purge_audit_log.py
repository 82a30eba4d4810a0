"""Delete audit rows older than VS_AUDIT_RETENTION_DAYS (CNIL: 6 to 12 months).

Run it daily (docs/configuration.md). It is the only code path that removes audit rows; the
database triggers refuse the deletion of any row younger than six months whatever the caller.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from villesolidaire.audit.models import AuditEntry


class Command(BaseCommand):
    help = "Supprime les entrées du journal d'accès plus anciennes que la durée de conservation."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.VS_AUDIT_RETENTION_DAYS)
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        column = connection.ops.quote_name("at")
        with transaction.atomic(), connection.cursor() as cursor:
            # The queryset refuses deletes on purpose; this statement is the documented exception.
            cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [cutoff])
            deleted = cursor.rowcount
        self.stdout.write(
            f"{deleted} entrée(s) du journal d'accès supprimée(s) "
            f"(conservation : {settings.VS_AUDIT_RETENTION_DAYS} jours)."
        )
