from django.urls import path

from villesolidaire.help_requests import views

app_name = "help_requests"

urlpatterns = [
    path("demander-de-l-aide/", views.public_form, name="public_form"),
    path("demander-de-l-aide/merci/", views.public_confirmation, name="public_confirmation"),
    path("gestion/accueil/", views.intake, name="intake"),
    path("gestion/demandes/", views.request_list, name="list"),
    path("gestion/demandes/<int:pk>/", views.request_detail, name="detail"),
    path("gestion/demandes/<int:pk>/modifier/", views.request_edit, name="edit"),
    path("gestion/demandes/<int:pk>/statut/", views.request_transition, name="transition"),
    path("gestion/demandes/<int:pk>/episode/", views.request_episode, name="episode"),
]
