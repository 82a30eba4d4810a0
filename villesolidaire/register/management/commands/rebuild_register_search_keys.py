"""Rebuild the name-search keys of every register entry (docs/decisions/0012).

Needed after restoring a database made without them, or to be sure they match the current
last key of VS_DATA_KEYS; `reencrypt_data` rebuilds them too, as it saves every entry.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from villesolidaire.register.models import RegisterEntry, RegisterSearchKey


class Command(BaseCommand):
    help = "Recalcule les clés de recherche par nom du registre (empreintes à clé, jamais les noms en clair)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        pks = list(RegisterEntry.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                entries = list(
                    RegisterEntry.objects.select_for_update()
                    .filter(pk__in=pks[start : start + batch_size])
                    .only("pk", "last_name", "first_names")
                )
                RegisterSearchKey.rebuild(entries)
        self.stdout.write(f"Clés de recherche recalculées pour {len(pks)} inscription(s).")
