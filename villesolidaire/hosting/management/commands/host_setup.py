"""`manage.py host_setup --domain console.hebergeur.fr`: the host console's domains (docs/hosting.md)."""

import getpass

from django.core.management.base import BaseCommand

from villesolidaire.hosting.services import ensure_template, set_up_host


class Command(BaseCommand):
    help = "Prépare l'hébergement multi-communes : domaines de la console de l'hébergeur et modèle de commune."

    def add_arguments(self, parser):
        parser.add_argument("--domain", required=True, help="Domaine(s) de la console, séparés par des virgules.")

    def handle(self, *args, **options):
        domains = [d for d in options["domain"].split(",") if d.strip()]
        set_up_host(domains=domains, actor=f"commande ({getpass.getuser()})")
        ensure_template(verbosity=0)
        self.stdout.write(f"Console de l'hébergeur : {', '.join(domains)}. Modèle de commune prêt.")
