from django.urls import path

from villesolidaire.missions import views

app_name = "missions"

urlpatterns = [
    path("gestion/soutiens/", views.support_list, name="support_list"),
    path("gestion/soutiens/<int:pk>/", views.support_detail, name="support_detail"),
    path("gestion/soutiens/<int:pk>/missions/ajouter/", views.mission_add, name="mission_add"),
    path("gestion/soutiens/<int:pk>/terminer/", views.support_end, name="support_end"),
    path("gestion/soutiens/<int:pk>/avis-habitant/", views.resident_evaluation, name="resident_evaluation"),
    path("gestion/missions/<int:pk>/annuler/", views.mission_cancel, name="mission_cancel"),
    path("gestion/missions/<int:pk>/remboursement/", views.mission_reimburse, name="mission_reimburse"),
    path("gestion/missions/autre-creneau/<int:pk>/accepter/", views.reschedule_accept, name="reschedule_accept"),
    path("gestion/missions/autre-creneau/<int:pk>/refuser/", views.reschedule_refuse, name="reschedule_refuse"),
    path("mon-espace/missions/<int:pk>/compte-rendu/", views.mission_report, name="mission_report"),
    path("mon-espace/missions/<int:pk>/autre-creneau/", views.mission_reschedule, name="mission_reschedule"),
    # A support's own link (SupportLink): no login, this support's missions only.
    path("soutien/<str:token>/", views.support_by_link, name="support_by_link"),
    path("soutien/<str:token>/missions/<int:pk>/compte-rendu/", views.link_mission_report, name="link_mission_report"),
    path(
        "soutien/<str:token>/missions/<int:pk>/autre-creneau/",
        views.link_mission_reschedule,
        name="link_mission_reschedule",
    ),
    path("mon-espace/soutiens/<int:pk>/avis/", views.volunteer_evaluation, name="volunteer_evaluation"),
]
