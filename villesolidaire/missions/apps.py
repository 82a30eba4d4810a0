from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "villesolidaire.missions"
    label = "missions"
    verbose_name = "soutiens et missions"

    def ready(self):
        from villesolidaire.help_requests import services as help_requests
        from villesolidaire.missions.selectors import volunteer_activity
        from villesolidaire.missions.services import follow_request_episode
        from villesolidaire.volunteers import services as volunteers

        volunteers.volunteer_activity.connect(volunteer_activity)
        help_requests.episode_changed.connect(follow_request_episode)
