"""Re-encrypt every encrypted column with the first key of VS_DATA_KEYS.

Key rotation (docs/decisions/0005):
1. put a new key at the front of VS_DATA_KEYS (keep the old ones after it) and restart;
2. run `manage.py reencrypt_data`: every value is rewritten under the new key. Blind
   indexes and the register's name-search keys are keyed by the *last* key of the list, so
   they stay valid;
3. to retire the old key completely, remove it from VS_DATA_KEYS, restart and run
   `manage.py reencrypt_data` again: blind indexes and name-search keys (rebuilt by
   `RegisterEntry.save`, docs/decisions/0012) are then recomputed under the new last key.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from villesolidaire.core.crypto import encrypted_models


class Command(BaseCommand):
    help = (
        "Rechiffre toutes les données chiffrées avec la première clé de VS_DATA_KEYS "
        "et recalcule les index de recherche."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        for model, _fields in encrypted_models():
            count = 0
            pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), batch_size):
                with transaction.atomic():
                    for row in model.objects.select_for_update().filter(pk__in=pks[start : start + batch_size]):
                        # save() re-encrypts every encrypted field and, where the model has
                        # blind indexes (refresh_indexes) or name-search keys, recomputes them.
                        row.save()
                        count += 1
            self.stdout.write(f"{model._meta.verbose_name_plural} : {count} ligne(s) rechiffrée(s).")
