from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "villesolidaire.matching"
    label = "matching"
    verbose_name = "mise en relation"

    def ready(self):
        # Matching follows apps below it: a request that stops searching withdraws its proposal;
        # the index follows the volunteers and their trainings.
        from villesolidaire.help_requests import services as help_requests
        from villesolidaire.matching import index
        from villesolidaire.matching.selectors import volunteer_activity as activity_on_offers
        from villesolidaire.matching.services import proposals_cancel
        from villesolidaire.trainings import services as trainings
        from villesolidaire.volunteers import services as volunteers

        help_requests.stopped_searching.connect(proposals_cancel)
        volunteers.volunteer_registered.connect(index.index_new_volunteer)
        volunteers.volunteer_changed.connect(index.index_volunteer)
        volunteers.volunteer_activity.connect(activity_on_offers)
        trainings.trainings_changed.connect(index.refresh_training_masks)
        trainings.module_deleted.connect(index.clear_training_bit)
