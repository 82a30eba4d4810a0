from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "villesolidaire.operations"
    label = "operations"
    verbose_name = "veille du jour"
