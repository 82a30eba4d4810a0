"""The town's first register officer, designated from the server (register/designations.py).

Every later grant is proposed on the « Habilitations au registre » page and approved by a register
officer; this command is refused once the town has one."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from villesolidaire.accounts.models import User
from villesolidaire.register.designations import DesignationError, designate_first_register_officer


class Command(BaseCommand):
    help = (
        "Désigne le ou la première agent·e habilité·e au registre de la commune, avec la décision du maire "
        "(refusé si la commune en a déjà un·e)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="Adresse e-mail du compte (agent·e de la commune).")
        parser.add_argument("--designated-by", required=True, help="Qui a décidé, par exemple « Mme Dubois, maire ».")
        parser.add_argument("--decision", required=True, help="La décision, par exemple « arrêté n° 2026-114 ».")
        parser.add_argument("--decision-date", required=True, help="Date de la décision, AAAA-MM-JJ.")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError("Aucun compte avec cette adresse e-mail : créez-le d'abord.")
        try:
            decision_date = datetime.date.fromisoformat(options["decision_date"])
        except ValueError as exc:
            raise CommandError("Date de la décision attendue au format AAAA-MM-JJ, par exemple 2026-05-04.") from exc
        if not options["designated_by"].strip() or not options["decision"].strip():
            raise CommandError("Indiquez qui a décidé et la référence de la décision.")
        try:
            designate_first_register_officer(
                user=user,
                designated_by=options["designated_by"].strip(),
                decision_reference=options["decision"].strip(),
                decision_date=decision_date,
            )
        except DesignationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{user.email} est agent·e habilité·e au registre ({options['decision'].strip()}).")
