"""`manage.py create_host_operator --email ops@hebergeur.fr`: a host operator, their password and authenticator app."""

import getpass
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from villesolidaire.accounts.models import User
from villesolidaire.accounts.services import password_provisional
from villesolidaire.core.tenancy import PUBLIC_SCHEMA, current_schema
from villesolidaire.hosting.services import record

BACKUP_CODES = 5


class Command(BaseCommand):
    help = (
        "Crée un opérateur de la console de l'hébergeur : mot de passe provisoire, application "
        "d'authentification (lien otpauth:// à scanner) et codes de secours, affichés une seule fois."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Adresse e-mail de l'opérateur (son identifiant).")

    def handle(self, *args, **options):
        if current_schema() != PUBLIC_SCHEMA:
            raise CommandError(
                "Commande de l'hébergement multi-communes (VS_MULTI_TOWN=true) : lancez-la sans schéma."
            )
        email = options["email"].strip().lower()
        try:
            validate_email(email)
        except Exception as exc:
            raise CommandError(f"Adresse e-mail invalide : {email!r}.") from exc
        if User.objects.filter(email=email).exists():
            raise CommandError(f"Un compte de l'hébergeur existe déjà pour {email}.")
        password = secrets.token_urlsafe(15)
        with transaction.atomic():
            operator = User.objects.create_superuser(email, password)
            password_provisional(operator)
            app = TOTPDevice.objects.create(user=operator, name="Application d'authentification", confirmed=True)
            backup = StaticDevice.objects.create(user=operator, name="Codes de secours", confirmed=True)
            codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
            for code in codes:
                backup.token_set.create(token=code)
            record(f"commande ({getpass.getuser()})", "create_host_operator", PUBLIC_SCHEMA, email)
        self.stdout.write(
            f"Opérateur de l'hébergeur créé : {email}\n"
            f"Mot de passe provisoire (affiché une seule fois) : {password}\n"
            "À la première connexion, la console demande de le remplacer.\n"
            "Application d'authentification : scannez ou saisissez ce lien dans l'application (FreeOTP, Aegis…) :\n"
            f"  {app.config_url}\n"
            f"Codes de secours (un seul usage chacun, à garder hors ligne) : {' '.join(codes)}"
        )
