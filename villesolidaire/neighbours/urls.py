from django.urls import path

from villesolidaire.neighbours import views

app_name = "neighbours"

urlpatterns = [
    # Coordinators
    path("gestion/voisinage/", views.network_list, name="list"),
    path("gestion/voisinage/nouveau/", views.network_create, name="create"),
    path("gestion/voisinage/alertes/", views.alert_list, name="alerts"),
    path("gestion/voisinage/alertes/<int:pk>/traitee/", views.alert_handled, name="alert_handled"),
    path("gestion/voisinage/<int:pk>/", views.network_detail, name="detail"),
    path("gestion/voisinage/<int:pk>/modifier/", views.network_edit, name="edit"),
    path("gestion/voisinage/<int:pk>/referent/", views.network_referents, name="referents"),
    path("gestion/voisinage/<int:pk>/statut/", views.network_status, name="status"),
    path("gestion/voisinage/<int:pk>/voisins/ajouter/", views.neighbour_add, name="neighbour_add"),
    path("gestion/voisinage/<int:pk>/etats-des-lieux/", views.state_records, name="state_records"),
    path("gestion/voisinage/voisins/<int:pk>/modifier/", views.neighbour_edit, name="neighbour_edit"),
    path("gestion/voisinage/voisins/<int:pk>/accord/", views.consent_record, name="consent_record"),
    path("gestion/voisinage/voisins/<int:pk>/retrait-accord/", views.consent_withdraw, name="consent_withdraw"),
    # Referent space (volunteer signed in by magic link)
    path("mon-espace/voisinage/", views.referent_networks, name="referent_networks"),
    path("mon-espace/voisinage/<int:pk>/", views.referent_network, name="referent_network"),
    path("mon-espace/voisinage/<int:pk>/etat-des-lieux/", views.referent_state_record, name="referent_state_record"),
    path("mon-espace/voisinage/<int:pk>/alerte/", views.referent_alert, name="referent_alert"),
]
