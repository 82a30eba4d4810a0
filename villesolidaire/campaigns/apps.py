from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.campaigns"
    verbose_name = "Épisodes et campagnes d'appels"
