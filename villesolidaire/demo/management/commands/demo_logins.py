from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.urls import reverse

from villesolidaire.accounts.demo import DEMO_PASSWORD, STAFF_ACCOUNTS, ensure_backup_codes
from villesolidaire.accounts.models import User
from villesolidaire.demo.town import DEMO_VOLUNTEER_EMAILS
from villesolidaire.partners.demo import PARTNER_EMAIL
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import magic_link_url

ROLE_LABELS = {
    "coordinator": "Coordinatrice (CCAS)",
    "operator": "Opérateur du numéro unique",
    "admin": "Administratrice",
    "register_officer": "Agente habilitée au registre (registre, épisodes, campagnes)",
    "caller": "Appelant de campagne",
    "auditor": "Auditrice du journal d'accès",
    "official": "Élue / direction (bilan et chiffres, lecture seule)",
}


class Command(BaseCommand):
    help = "Affiche les accès de démonstration : adresse, comptes agents, mot de passe, codes de secours."

    def handle(self, *args, **options):
        out = self.stdout.write
        try:
            staff = {user.email: user for user in User.objects.filter(email__in=[a[0] for a in STAFF_ACCOUNTS])}
        except DatabaseError as exc:
            raise CommandError(
                "La base de données n'est pas encore créée : lancez « make run », ou "
                "« .venv/bin/python manage.py migrate » puis « .venv/bin/python manage.py seed_demo »."
            ) from exc
        if not staff:
            out("Pas de comptes de démonstration : lancez d'abord « manage.py seed_demo ».")
            return
        out("")
        out("=" * 72)
        out(" Ville Solidaire — commune de démonstration")
        out(f" Adresse : {settings.SITE_URL}")
        out("=" * 72)
        out(f" Agents (connexion : {settings.SITE_URL}{reverse('accounts:login')})")
        out(f" Mot de passe commun : {DEMO_PASSWORD}")
        out(" Second facteur : saisissez un des codes de secours ci-dessous (chacun ne sert qu'une fois ;")
        out(" cette commande en recrée dès qu'il en reste moins de trois).")
        for email, _first, _last, role, _superuser in STAFF_ACCOUNTS:
            user = staff.get(email)
            if user is None:
                continue
            codes = ensure_backup_codes(user)
            out(f"  - {ROLE_LABELS[role]} : {email}")
            out(f"      codes de secours : {'  '.join(codes)}")
        partner = User.objects.filter(email=PARTNER_EMAIL).first()
        if partner is not None:
            out(f"  - Partenaire (association : sa fiche, ses services, ses besoins de volontaires) : {PARTNER_EMAIL}")
            out(f"      codes de secours : {'  '.join(ensure_backup_codes(partner))}")
        out("")
        out(" Volontaires : pas de mot de passe. Sur « Espace volontaire », saisissez l'e-mail ou le mobile ;")
        out(" le lien de connexion s'affiche dans la console du serveur (e-mails et SMS de démonstration).")
        for volunteer in (
            Volunteer.objects.filter(email__in=DEMO_VOLUNTEER_EMAILS).select_related("user").order_by("email")
        ):
            mobile = f" ou {volunteer.phone.as_national}" if volunteer.phone else ""
            out(f"  - {volunteer.first_name} {volunteer.last_name} : {volunteer.email}{mobile}")
            link = _magic_link(volunteer)
            if link:
                out(f"      lien direct (valable {settings.SESAME_MAX_AGE // 60} minutes, une fois) : {link}")
        out("=" * 72)
        out("")


def _magic_link(volunteer) -> str:
    """A ready-made magic link, built the way the volunteer services build theirs."""
    return magic_link_url(volunteer=volunteer)
