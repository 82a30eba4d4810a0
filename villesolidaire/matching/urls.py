from django.urls import path

from villesolidaire.matching import views

app_name = "matching"

urlpatterns = [
    path("gestion/demandes/<int:pk>/mise-en-relation/", views.request_matching, name="request_matching"),
    path("reponse/<str:token>/", views.offer_response, name="offer_response"),
    # Under the trainings' pages for the coordinator, but it ranks with matching's SQL.
    path(
        "gestion/formations/modules/<int:module_pk>/inviter/demande/<int:request_pk>/",
        views.invite_for_training,
        name="invite_for_training",
    ),
]
