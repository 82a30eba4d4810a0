from django.urls import path

from villesolidaire.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/journal/", views.journal, name="journal"),
]
