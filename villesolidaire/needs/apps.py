from django.apps import AppConfig


class NeedsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.needs"
    verbose_name = "Besoins ponctuels et créneaux"

    def ready(self):
        from villesolidaire.needs.services import signups_cancel_for_volunteer
        from villesolidaire.volunteers.services import volunteer_withdrawn

        volunteer_withdrawn.connect(signups_cancel_for_volunteer)
