from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "villesolidaire.territory"
    label = "territory"
    verbose_name = "commune et quartiers"
