from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "villesolidaire.residents"
    label = "residents"
    verbose_name = "habitant·es"
