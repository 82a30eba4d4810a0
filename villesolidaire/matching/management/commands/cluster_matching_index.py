from django.core.management.base import BaseCommand

from villesolidaire.matching.index import cluster_index


class Command(BaseCommand):
    help = (
        "Range l'index de mise en relation par position (PostgreSQL : CLUSTER sur match_position, puis "
        "ANALYZE) : la recherche des volontaires proches lit alors peu de pages. Tâche de nuit ; "
        "sans effet sur SQLite."
    )

    def handle(self, *args, **options):
        if cluster_index():
            self.stdout.write(self.style.SUCCESS("Index de mise en relation rangé par position."))
        else:
            self.stdout.write("Rien à faire : la base n'est pas PostgreSQL.")
