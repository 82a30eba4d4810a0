"""`manage.py adopt_single_town`: an existing single-town installation becomes a multi-town host (docs/hosting.md)."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.hosting.adoption import adopt_single_town
from villesolidaire.hosting.services import HostingError


class Command(BaseCommand):
    help = (
        "Passe une installation d'une seule commune en hébergement multi-communes, sur place : "
        "ses tables vont dans le schéma de la commune, l'hébergeur reçoit le schéma public."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="Schéma de la commune (ex. town_saint_malo).")
        parser.add_argument("--domain", required=True, help="Domaine(s) de la commune, séparés par des virgules.")

    def handle(self, *args, **options):
        try:
            tenant = adopt_single_town(
                schema_name=options["schema"],
                domains=options["domain"].split(","),
                actor=f"commande ({getpass.getuser()})",
            )
        except HostingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{tenant.name} est maintenant la commune {tenant.schema_name} de cet hébergement "
            f"({tenant.get_primary_domain().domain}). Ses clés sont celles de VS_DATA_KEYS, qui devient "
            "la clé de l'hébergeur : gardez-la comme avant. Créez un compte d'opérateur de l'hébergeur "
            "(createsuperuser) pour la console."
        )
