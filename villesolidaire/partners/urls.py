from django.urls import path

from villesolidaire.partners import views

app_name = "partners"

urlpatterns = [
    # Public
    path("cartographie/", views.map_page, name="map"),
    path("cartographie/donnees.json", views.map_data, name="map_data"),
    path("cartographie/structures/<int:pk>/", views.public_organisation, name="public_organisation"),
    path("partenaires/proposer/", views.propose, name="propose"),
    path("partenaires/proposer/merci/", views.propose_thanks, name="propose_thanks"),
    path("partenaires/mot-de-passe/<uidb64>/<token>/", views.PasswordSetupView.as_view(), name="password_setup"),
    path("partenaires/mot-de-passe/enregistre/", views.password_setup_done, name="password_setup_done"),
    path("donnees-ouvertes/", views.open_data, name="open_data"),
    path("donnees-ouvertes/structures.json", views.open_data_structures, name="open_data_structures"),
    path("donnees-ouvertes/services.json", views.open_data_services, name="open_data_services"),
    # Partner space
    path("partenaires/espace/", views.partner_home, name="partner_home"),
    path("partenaires/espace/<int:pk>/", views.partner_organisation, name="partner_organisation"),
    path("partenaires/espace/<int:pk>/modifier/", views.partner_organisation_edit, name="partner_organisation_edit"),
    path("partenaires/espace/<int:pk>/services/nouveau/", views.partner_service_edit, name="partner_service_create"),
    path(
        "partenaires/espace/<int:pk>/services/<int:service_pk>/modifier/",
        views.partner_service_edit,
        name="partner_service_edit",
    ),
    path("partenaires/espace/<int:pk>/contacts/nouveau/", views.partner_contact_add, name="partner_contact_add"),
    path(
        "partenaires/espace/<int:pk>/contacts/<int:contact_pk>/retirer/",
        views.partner_contact_delete,
        name="partner_contact_delete",
    ),
    # Coordinators
    path("gestion/partenaires/", views.organisation_list, name="organisation_list"),
    path("gestion/demandes/<int:pk>/orienter/", views.request_refer, name="request_refer"),
    path("gestion/soutiens/<int:pk>/transmettre/", views.support_hand_over, name="support_hand_over"),
    path("gestion/partenaires/nouvelle/", views.organisation_create, name="organisation_create"),
    path("gestion/partenaires/modifications/", views.change_list, name="change_list"),
    path("gestion/partenaires/modifications/<int:pk>/", views.change_review, name="change_review"),
    path("gestion/partenaires/import/", views.import_upload, name="import"),
    path("gestion/partenaires/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("gestion/partenaires/<int:pk>/modifier/", views.organisation_edit, name="organisation_edit"),
    path("gestion/partenaires/<int:pk>/statut/", views.organisation_status, name="organisation_status"),
    path("gestion/partenaires/<int:pk>/compte/", views.organisation_add_account, name="organisation_add_account"),
]
