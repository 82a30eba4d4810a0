from django.apps import AppConfig


class NeedsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.needs"
    verbose_name = "Besoins ponctuels et créneaux"

    def ready(self):
        from villesolidaire.needs.selectors import volunteer_activity as activity_on_shifts
        from villesolidaire.needs.services import signups_cancel_for_volunteer
        from villesolidaire.volunteers.services import volunteer_activity, volunteer_withdrawn

        volunteer_withdrawn.connect(signups_cancel_for_volunteer)
        volunteer_activity.connect(activity_on_shifts)
