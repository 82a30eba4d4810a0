"""`manage.py each_town <command> [arguments]`: a management command in every town, one after the other.

django-tenants' `all_tenants_command` also runs in the host's schema (where the towns' tables are
not: the command fails there) and in the template new towns are copied from (which must stay
empty). This runs in the towns only, goes on after a town's failure, names the towns that failed
and exits non-zero if any did: the nightly jobs (docs/hosting.md).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_context

from villesolidaire.hosting.models import TenantState
from villesolidaire.hosting.services import towns


class Command(BaseCommand):
    help = "Lance une commande dans chaque commune hébergée (hors hébergeur et modèle), l'une après l'autre."

    def add_arguments(self, parser):
        parser.add_argument("command_name", help="La commande à lancer (ex. escalate_overdue_calls).")
        parser.add_argument("arguments", nargs="*", help="Ses arguments.")
        parser.add_argument("--suspended-too", action="store_true", help="Aussi dans les communes suspendues.")

    def handle(self, *args, **options):
        failed = []
        for tenant in towns().order_by("schema_name"):
            if tenant.state == TenantState.SUSPENDED and not options["suspended_too"]:
                continue
            self.stdout.write(f"== {tenant.name} ({tenant.schema_name})")
            try:
                with schema_context(tenant.schema_name):
                    call_command(
                        options["command_name"], *options["arguments"], stdout=self.stdout, stderr=self.stderr
                    )
            except Exception as exc:  # one town's failure must not stop the others' jobs
                failed.append(tenant.schema_name)
                self.stderr.write(f"Échec dans {tenant.name} ({tenant.schema_name}) : {exc}")
            finally:
                connection.set_schema_to_public()
        if failed:
            raise CommandError(f"Échec dans {len(failed)} commune(s) : {', '.join(failed)}.")
