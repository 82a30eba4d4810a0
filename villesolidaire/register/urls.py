from django.urls import path

from villesolidaire.register import views

app_name = "register"

urlpatterns = [
    # Named register officers only (R121-7); everything else answers 404.
    path("gestion/registre/", views.entry_list, name="list"),
    path("gestion/registre/nouvelle/", views.entry_create, name="create"),
    path("gestion/registre/accuses-a-envoyer/", views.acknowledgements_due, name="acknowledgements_due"),
    path("gestion/registre/confirmations/", views.confirmation_due, name="confirmation_due"),
    path("gestion/registre/import/", views.import_list, name="import"),
    path("gestion/registre/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("gestion/registre/transmission-prefet/", views.prefect_export, name="prefect_export"),
    path("gestion/registre/<int:pk>/", views.entry_detail, name="detail"),
    path("gestion/registre/<int:pk>/corriger/", views.entry_edit, name="edit"),
    path("gestion/registre/<int:pk>/accuse-reception/", views.entry_acknowledge, name="acknowledge"),
    path(
        "gestion/registre/<int:pk>/accuse-reception.pdf", views.acknowledgement_letter, name="acknowledgement_letter"
    ),
    path("gestion/registre/<int:pk>/lettre-information.pdf", views.information_letter, name="information_letter"),
    path("gestion/registre/<int:pk>/lettre-confirmation.pdf", views.confirmation_letter, name="confirmation_letter"),
    path("gestion/registre/<int:pk>/confirmer/", views.entry_confirm, name="confirm"),
    path("gestion/registre/<int:pk>/opposition/", views.entry_objection, name="objection"),
    path("gestion/registre/<int:pk>/radier/", views.entry_remove, name="remove"),
    path("gestion/registre/<int:pk>/informations-complementaires/", views.entry_extras, name="extras"),
    path(
        "gestion/registre/<int:pk>/informations-complementaires/retirer/",
        views.extras_withdraw,
        name="extras_withdraw",
    ),
    path("gestion/registre/<int:pk>/fiche-habitant/", views.link_resident, name="link_resident"),
    path("gestion/registre/<int:pk>/fiche-habitant/retirer/", views.unlink_resident, name="unlink_resident"),
    path("gestion/registre/<int:pk>/dossier/", views.entry_dossier, name="dossier"),
    # Register roles (officers and administrators): proposed by one, approved by another.
    path("gestion/habilitations-registre/", views.designations, name="designations"),
    path(
        "gestion/habilitations-registre/<int:pk>/approuver/",
        views.designation_decide,
        {"decision": "approve"},
        name="designation_approve",
    ),
    path(
        "gestion/habilitations-registre/<int:pk>/refuser/",
        views.designation_decide,
        {"decision": "refuse"},
        name="designation_refuse",
    ),
    # Public: the self-registration form and the blank paper form (no personal data).
    path("inscription-registre/", views.public_form, name="public_form"),
    path("inscription-registre/merci/", views.public_confirmation, name="public_confirmation"),
    path("inscription-registre/formulaire-papier.pdf", views.paper_form, name="paper_form"),
]
