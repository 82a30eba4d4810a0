from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.campaigns"
    verbose_name = "Épisodes et campagnes d'appels"

    def ready(self):
        from villesolidaire.campaigns.services.erasure import forget_register_entry
        from villesolidaire.register.services import entry_erased

        entry_erased.connect(forget_register_entry)
