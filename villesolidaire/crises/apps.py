from django.apps import AppConfig


class CrisesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.crises"
    verbose_name = "Épisodes de crise"
