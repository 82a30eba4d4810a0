from django.urls import path

from villesolidaire.matching import views

app_name = "matching"

urlpatterns = [
    path("gestion/demandes/<int:pk>/mise-en-relation/", views.request_matching, name="request_matching"),
    path("reponse/<str:token>/", views.offer_response, name="offer_response"),
]
