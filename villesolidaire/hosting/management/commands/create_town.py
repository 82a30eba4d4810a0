"""`manage.py create_town`: a town ready in one command on a multi-town deployment (docs/hosting.md)."""

import getpass
import time

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.hosting.models import TenantKind
from villesolidaire.hosting.services import HostingError, create_town


class Command(BaseCommand):
    help = "Crée une commune hébergée : son schéma, ses domaines, ses clés et son premier administrateur."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Nom de la commune (ou du service intercommunal).")
        parser.add_argument(
            "--insee",
            required=True,
            help="Code(s) INSEE, séparés par des virgules ; pour un service intercommunal, chacun nommé : "
            "35288=Saint-Malo,35049=Cancale.",
        )
        parser.add_argument(
            "--domain", required=True, help="Domaine(s), séparés par des virgules ; le premier est principal."
        )
        parser.add_argument("--admin-email", required=True, help="E-mail du premier administrateur de la commune.")
        parser.add_argument("--schema", default="", help="Nom du schéma (par défaut : town_<nom>).")
        parser.add_argument("--intercommunal", action="store_true", help="Un CIAS servant plusieurs communes.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        entries = [entry.partition("=") for entry in options["insee"].split(",") if entry.strip()]
        try:
            new = create_town(
                name=options["name"],
                insee_codes=[code for code, _sep, _name in entries],
                commune_names={code: label for code, _sep, label in entries if label},
                domains=options["domain"].split(","),
                admin_email=options["admin_email"],
                schema_name=options["schema"],
                kind=TenantKind.INTERCOMMUNAL if options["intercommunal"] else TenantKind.TOWN,
                actor=f"commande ({getpass.getuser()})",
            )
        except HostingError as exc:
            raise CommandError(str(exc)) from exc
        tenant = new.tenant
        self.stdout.write(
            f"{'Service intercommunal créé' if tenant.kind == TenantKind.INTERCOMMUNAL else 'Commune créée'} : "
            f"{tenant.name} (schéma {tenant.schema_name}) en {time.perf_counter() - started:.1f} s.\n"
            f"Domaine principal : {tenant.get_primary_domain().domain}\n"
            f"Administrateur : {new.admin_email}\n"
            f"Mot de passe provisoire (affiché une seule fois) : {new.admin_password}\n"
            "À la première connexion, l'administrateur active sa double authentification, "
            "puis remplace ce mot de passe."
        )
