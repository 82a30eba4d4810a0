from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "villesolidaire.missions"
    label = "missions"
    verbose_name = "soutiens et missions"

    def ready(self):
        from villesolidaire.missions.selectors import volunteer_activity
        from villesolidaire.volunteers import services as volunteers

        volunteers.volunteer_activity.connect(volunteer_activity)
