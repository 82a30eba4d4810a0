from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "villesolidaire.surveys"
    label = "surveys"
    verbose_name = "évaluation et questionnaires"

    def ready(self):
        from villesolidaire.missions import services as missions
        from villesolidaire.surveys.services import quote_offer_evaluation

        missions.evaluation_recorded.connect(quote_offer_evaluation)
