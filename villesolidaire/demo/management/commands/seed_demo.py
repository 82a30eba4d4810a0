import time

from django.core.management.base import BaseCommand

from villesolidaire.demo.town import DEFAULT_SEED, seed_demo
from villesolidaire.territory.models import Town


class Command(BaseCommand):
    help = (
        "Crée la commune de démonstration (fictive) : "
        "quartiers, adresses, volontaires, habitant·es, soutiens, missions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Graine du hasard : même graine, même commune."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien faire si une commune est déjà configurée (un second « make run » garde les données).",
        )

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if Town.objects.exists():
            if if_empty:
                self.stdout.write("Commune déjà configurée : données de démonstration conservées.")
                return
            self.stderr.write("Une commune est déjà configurée : la démonstration se crée sur une base vide.")
            raise SystemExit(1)
        started = time.perf_counter()
        summary = seed_demo(seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Commune de démonstration créée en {elapsed:.1f} s (graine {summary.seed}).")
        )
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label} : {count}")
        self.stdout.write(f"  fichier d'adresses (format BAN) : {summary.ban_file}")
