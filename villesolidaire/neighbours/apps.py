from django.apps import AppConfig


class NeighboursConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.neighbours"
    verbose_name = "Réseaux de voisinage"
