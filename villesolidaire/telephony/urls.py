from django.urls import path

from villesolidaire.telephony import views

app_name = "telephony"

urlpatterns = [
    path("gestion/accueil/appel-entrant/", views.incoming, name="incoming"),
]
