from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "villesolidaire.matching"
    label = "matching"
    verbose_name = "mise en relation"
