from django.urls import path

from villesolidaire.territory import views

app_name = "territory"

urlpatterns = [
    path("adresses/recherche/", views.address_search, name="address_search"),
]
