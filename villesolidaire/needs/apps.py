from django.apps import AppConfig


class NeedsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.needs"
    verbose_name = "Besoins ponctuels et créneaux"
