from django.apps import AppConfig


class HelpRequestsConfig(AppConfig):
    name = "villesolidaire.help_requests"
    label = "help_requests"
    verbose_name = "demandes d'aide"
