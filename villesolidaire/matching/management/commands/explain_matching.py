from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching import scoring, selectors


class Command(BaseCommand):
    help = "Affiche le plan d'exécution (EXPLAIN) de la requête de mise en relation pour une demande."

    def add_arguments(self, parser):
        parser.add_argument("request_id", type=int, help="Numéro de la demande d'aide.")
        parser.add_argument("--elargir", action="store_true", help="Recherche élargie (rayon × 1,5).")
        parser.add_argument("--analyze", action="store_true", help="Exécute la requête (EXPLAIN ANALYZE, PostgreSQL).")

    def handle(self, *args, request_id: int, elargir: bool, analyze: bool, **options):
        help_request = HelpRequest.objects.select_related("resident", "category").filter(pk=request_id).first()
        if help_request is None:
            raise CommandError(f"Demande n° {request_id} introuvable.")
        context = scoring.context_for(
            help_request,
            widen=elargir,
            resident_volunteer_ids=selectors.resident_volunteer_ids(help_request.resident_id),
        )
        sql, params = selectors.candidate_sql(context, limit=100, pinned=context.resident_volunteer_ids)
        options = {"analyze": True} if analyze and connection.vendor == "postgresql" else {}
        with connection.cursor() as cursor:
            cursor.execute(f"{connection.ops.explain_query_prefix(**options)} {sql}", params)
            self.stdout.write("\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall()))
