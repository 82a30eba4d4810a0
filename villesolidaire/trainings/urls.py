from django.urls import path

from villesolidaire.trainings import views

app_name = "trainings"

urlpatterns = [
    path("gestion/formations/", views.module_list, name="module_list"),
    path("gestion/formations/modules/nouveau/", views.module_create, name="module_create"),
    path("gestion/formations/modules/<int:pk>/", views.module_detail, name="module_detail"),
    path("gestion/formations/modules/<int:pk>/modifier/", views.module_edit, name="module_edit"),
    path("gestion/formations/modules/<int:pk>/supprimer/", views.module_delete, name="module_delete"),
    path("gestion/formations/modules/<int:pk>/titulaires/", views.module_holders, name="module_holders"),
    path("gestion/formations/modules/<int:pk>/inviter/", views.module_invite, name="module_invite"),
    path("gestion/formations/inviter-des-volontaires/", views.volunteers_invite, name="volunteers_invite"),
    path("gestion/formations/modules/<int:pk>/suivi-en-ligne/", views.record_completion, name="record_completion"),
    path("gestion/formations/modules/<int:module_pk>/sessions/nouvelle/", views.session_create, name="session_create"),
    path("gestion/formations/sessions/", views.session_list, name="session_list"),
    path("gestion/formations/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("gestion/formations/sessions/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("gestion/formations/sessions/<int:pk>/inscrire/", views.session_register, name="session_register"),
    path("gestion/formations/sessions/<int:pk>/presences/", views.session_attendance, name="session_attendance"),
    path("gestion/formations/sessions/<int:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("gestion/formations/inscriptions/<int:pk>/annuler/", views.registration_cancel, name="registration_cancel"),
    path("mon-espace/formations/", views.my_trainings, name="my_trainings"),
    path("mon-espace/formations/sessions/<int:pk>/inscription/", views.self_register, name="self_register"),
    path("mon-espace/formations/inscriptions/<int:pk>/annulation/", views.self_cancel, name="self_cancel"),
    path("formations/invitation/<str:token>/", views.invitation, name="invitation"),
]
