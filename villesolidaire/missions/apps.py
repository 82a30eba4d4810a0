from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "villesolidaire.missions"
    label = "missions"
    verbose_name = "soutiens et missions"
