from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "villesolidaire.reporting"
    label = "reporting"
    verbose_name = "bilan"
