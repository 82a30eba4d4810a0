from django.urls import path

from villesolidaire.campaigns.views import (
    accreditations,
    briefings,
    calls,
    campaign_management,
    episodes,
    escalation,
    reports,
    sheets,
    sms,
)

app_name = "campaigns"

urlpatterns = [
    # Register officers.
    path("gestion/campagnes/", episodes.episode_list, name="episode_list"),
    path("gestion/campagnes/episodes/nouveau/", episodes.episode_create, name="episode_create"),
    path("gestion/campagnes/episodes/<int:pk>/", episodes.episode_detail, name="episode_detail"),
    path("gestion/campagnes/episodes/<int:pk>/modifier/", episodes.episode_edit, name="episode_edit"),
    path("gestion/campagnes/episodes/<int:pk>/clore/", episodes.episode_close, name="episode_close"),
    path(
        "gestion/campagnes/episodes/<int:episode_pk>/nouvelle-campagne/",
        campaign_management.campaign_create,
        name="campaign_create",
    ),
    path("gestion/campagnes/appelants/", accreditations.callers, name="callers"),
    path("gestion/campagnes/appelants/<int:pk>/retirer/", accreditations.caller_revoke, name="caller_revoke"),
    path("gestion/campagnes/<int:pk>/", campaign_management.campaign_detail, name="campaign_detail"),
    path("gestion/campagnes/<int:pk>/etat/", campaign_management.campaign_transition, name="campaign_transition"),
    path("gestion/campagnes/<int:pk>/completer/", campaign_management.campaign_refresh, name="campaign_refresh"),
    path("gestion/campagnes/<int:pk>/sms/", sms.sms_wave, name="sms_wave"),
    path("gestion/campagnes/<int:pk>/tableau-de-bord/", reports.dashboard, name="dashboard"),
    path("gestion/campagnes/<int:pk>/non-joints/", reports.unreached, name="unreached"),
    path("gestion/campagnes/<int:pk>/rapport-quotidien/<str:fmt>/", reports.daily_report, name="daily_report"),
    path("gestion/campagnes/<int:pk>/personnes/<int:target_pk>/", escalation.target_detail, name="target_detail"),
    # Coordinators: waking the reserve and briefing volunteers during an episode.
    path("gestion/mobilisation/", briefings.briefing_list, name="briefing_list"),
    path("gestion/mobilisation/<int:pk>/", briefings.briefing_detail, name="briefing_detail"),
    path("gestion/mobilisation/<int:pk>/reactiver/", briefings.briefing_reactivate, name="briefing_reactivate"),
    path("mobilisation/reponse/<str:token>/", briefings.briefing_answer, name="briefing_answer"),
    # Callers.
    path("gestion/appels/", calls.caller_home, name="caller_home"),
    path("gestion/appels/<int:pk>/", calls.call, name="call"),
    path("gestion/appels/<int:pk>/suivant/", calls.call_next, name="call_next"),
    path("gestion/appels/<int:pk>/rendre/", calls.call_release, name="call_release"),
    path("gestion/appels/<int:pk>/personne-a-prevenir/", calls.call_emergency_contact, name="call_emergency_contact"),
    path("gestion/appels/<int:pk>/feuille/", sheets.call_sheet_create, name="call_sheet_create"),
    path("gestion/appels/feuilles/<int:pk>/", sheets.call_sheet, name="call_sheet"),
    path("gestion/appels/feuilles/<int:pk>/pdf/", sheets.call_sheet_download, name="call_sheet_pdf"),
    path("gestion/appels/feuilles/<int:pk>/resultats/", sheets.call_sheet_results, name="call_sheet_results"),
    # SMS provider webhook (public, shared secret in the URL or in a header).
    path("webhooks/sms-campagnes/", sms.sms_inbound, name="sms_inbound"),
    path("webhooks/sms-campagnes/<str:token>/", sms.sms_inbound, name="sms_inbound"),
]
