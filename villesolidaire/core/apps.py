from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "villesolidaire.core"
    label = "core"
    verbose_name = "socle"
