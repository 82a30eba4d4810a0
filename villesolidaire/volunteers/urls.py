from django.urls import path

from villesolidaire.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("devenir-volontaire/", views.signup, name="signup"),
    path("devenir-volontaire/merci/", views.signup_thanks, name="signup_thanks"),
    path("mon-espace/connexion/", views.magic_link_request, name="magic_link_request"),
    path("mon-espace/connexion/lien-envoye/", views.magic_link_sent, name="magic_link_sent"),
    path("mon-espace/", views.space, name="space"),
    path("mon-espace/profil/", views.profile_edit, name="profile_edit"),
    path("mon-espace/pause/", views.pause_self, name="pause_self"),
    path("mon-espace/reprendre/", views.resume_self, name="resume_self"),
    path("mon-espace/desistement/", views.withdraw_self, name="withdraw_self"),
    path("gestion/volontaires/", views.volunteer_list, name="list"),
    path("gestion/volontaires/action-groupee/", views.bulk_action, name="bulk_action"),
    path("gestion/volontaires/<int:pk>/", views.volunteer_detail, name="detail"),
    path("gestion/volontaires/<int:pk>/statut/", views.change_status, name="change_status"),
]
