from django.urls import path

from villesolidaire.campaigns import views

app_name = "campaigns"

urlpatterns = [
    # Register officers.
    path("gestion/campagnes/", views.episode_list, name="episode_list"),
    path("gestion/campagnes/episodes/nouveau/", views.episode_create, name="episode_create"),
    path("gestion/campagnes/episodes/<int:pk>/", views.episode_detail, name="episode_detail"),
    path("gestion/campagnes/episodes/<int:pk>/modifier/", views.episode_edit, name="episode_edit"),
    path("gestion/campagnes/episodes/<int:pk>/clore/", views.episode_close, name="episode_close"),
    path(
        "gestion/campagnes/episodes/<int:episode_pk>/nouvelle-campagne/", views.campaign_create, name="campaign_create"
    ),
    path("gestion/campagnes/appelants/", views.callers, name="callers"),
    path("gestion/campagnes/appelants/<int:pk>/retirer/", views.caller_revoke, name="caller_revoke"),
    path("gestion/campagnes/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("gestion/campagnes/<int:pk>/etat/", views.campaign_transition, name="campaign_transition"),
    path("gestion/campagnes/<int:pk>/completer/", views.campaign_refresh, name="campaign_refresh"),
    path("gestion/campagnes/<int:pk>/sms/", views.sms_wave, name="sms_wave"),
    path("gestion/campagnes/<int:pk>/tableau-de-bord/", views.dashboard, name="dashboard"),
    path("gestion/campagnes/<int:pk>/non-joints/", views.unreached, name="unreached"),
    path("gestion/campagnes/<int:pk>/rapport-quotidien/<str:fmt>/", views.daily_report, name="daily_report"),
    path("gestion/campagnes/<int:pk>/personnes/<int:target_pk>/", views.target_detail, name="target_detail"),
    # Callers.
    path("gestion/appels/", views.caller_home, name="caller_home"),
    path("gestion/appels/<int:pk>/", views.call, name="call"),
    path("gestion/appels/<int:pk>/suivant/", views.call_next, name="call_next"),
    path("gestion/appels/<int:pk>/rendre/", views.call_release, name="call_release"),
    # SMS provider webhook (public, shared secret in the URL or in a header).
    path("webhooks/sms-campagnes/", views.sms_inbound, name="sms_inbound"),
    path("webhooks/sms-campagnes/<str:token>/", views.sms_inbound, name="sms_inbound"),
]
