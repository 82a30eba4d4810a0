from django.urls import path

from villesolidaire.operations import views

app_name = "operations"

urlpatterns = [
    path("gestion/veille/", views.today, name="today"),
    path("gestion/veille/compteurs/", views.nav_counts, name="nav_counts"),
    path("gestion/veille/<slug:key>/", views.listed, name="listed"),
]
