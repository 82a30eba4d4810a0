import time

from django.core.management.base import BaseCommand

from villesolidaire.demo import rennes
from villesolidaire.demo.town import DEFAULT_SEED, seed_demo
from villesolidaire.territory.models import Town

SCENARIOS = ["val-solidaire", rennes.SCENARIO]


class Command(BaseCommand):
    help = (
        "Crée la commune de démonstration (fictive) : "
        "quartiers, adresses, volontaires, habitant·es, soutiens, missions. "
        f"« --scenario {rennes.SCENARIO} » crée une commune fictive dont le bilan de l'année 2020 "
        "donne les chiffres des Volontaires Solidaires de Rennes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help=f"Graine du hasard : même graine, même commune (par défaut {DEFAULT_SEED}, "
            f"{rennes.DEFAULT_SEED} pour {rennes.SCENARIO}).",
        )
        parser.add_argument(
            "--scenario",
            choices=SCENARIOS,
            default=SCENARIOS[0],
            help="val-solidaire (par défaut) : la commune de démonstration, datée par rapport à aujourd'hui ; "
            f"{rennes.SCENARIO} : le dispositif de 2020 (dates fixes) et ses chiffres de bilan.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien faire si une commune est déjà configurée (un second « make run » garde les données).",
        )

    def handle(self, *args, seed: int | None, scenario: str, if_empty: bool, **options):
        if Town.objects.exists():
            if if_empty:
                self.stdout.write("Commune déjà configurée : données de démonstration conservées.")
                return
            self.stderr.write("Une commune est déjà configurée : la démonstration se crée sur une base vide.")
            raise SystemExit(1)
        started = time.perf_counter()
        if scenario == rennes.SCENARIO:
            summary = rennes.seed_rennes_2020(rennes.DEFAULT_SEED if seed is None else seed)
        else:
            summary = seed_demo(DEFAULT_SEED if seed is None else seed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Commune de démonstration créée en {elapsed:.1f} s (graine {summary.seed}).")
        )
        if scenario == rennes.SCENARIO:
            self._rennes_period()
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label} : {count}")
        self.stdout.write(f"  fichier d'adresses (format BAN) : {summary.ban_file}")

    def _rennes_period(self):
        start, end = rennes.scenario_period()
        targets = rennes.TARGETS
        self.stdout.write(
            f"Scénario {rennes.SCENARIO} : dispositif ouvert le {rennes.LAUNCH:%d/%m/%Y} "
            f"(appel à volontaires clos le {rennes.CALL_CLOSES:%d/%m/%Y}), clos le {rennes.CLOSURE:%d/%m/%Y} "
            "(volontaires encore actif·ves passé·es en réserve)."
        )
        self.stdout.write(
            f"Bilan « année 2020 » (du {start:%d/%m/%Y} au {end:%d/%m/%Y}) : "
            f"{targets['registered']} inscrit·es, {targets['active']} actif·ves, "
            f"{targets['mobilised']} mobilisé·es, {targets['missions_done']} missions réalisées, "
            f"{targets['residents_helped']} habitant·es aidé·es, {targets['supports']} soutiens."
        )
