from django.urls import path

from villesolidaire.audit import views

app_name = "audit"

urlpatterns = [
    path("gestion/audit/journal/", views.journal, name="journal"),
]
