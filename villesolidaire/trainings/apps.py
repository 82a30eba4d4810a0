from django.apps import AppConfig


class TrainingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "villesolidaire.trainings"
    verbose_name = "Formations"

    def ready(self):
        from villesolidaire.trainings.selectors import volunteer_activity as activity_in_trainings
        from villesolidaire.trainings.services import registrations_cancel_for_volunteer
        from villesolidaire.volunteers.services import volunteer_activity, volunteer_withdrawn

        # Before needs (INSTALLED_APPS order), as the withdrawal always did.
        volunteer_withdrawn.connect(registrations_cancel_for_volunteer)
        volunteer_activity.connect(activity_in_trainings)
