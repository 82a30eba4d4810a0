from django.urls import path

from villesolidaire.accounts.perms import coordinator_required, partner_required
from villesolidaire.needs import views

app_name = "needs"

# The same management pages in two spaces: a partner's (scoped to its organisations) and the
# coordinators' (every need). `space` tells the views which queryset and which URLs to use.
MANAGEMENT = [
    ("", views.need_list, "list"),
    ("nouveau/", views.need_create, "create"),
    ("<int:pk>/", views.need_detail, "detail"),
    ("<int:pk>/modifier/", views.need_edit, "edit"),
    ("<int:pk>/statut/", views.need_status, "status"),
    ("<int:pk>/creneaux/", views.shift_add, "shift_add"),
    ("<int:pk>/creneaux/<int:shift_pk>/supprimer/", views.shift_delete, "shift_delete"),
    ("<int:pk>/prevenir/", views.need_notify, "notify"),
    ("<int:pk>/inscriptions/<int:signup_pk>/confirmer/", views.signup_confirm, "signup_confirm"),
    ("<int:pk>/inscriptions/<int:signup_pk>/annuler/", views.signup_cancel, "signup_cancel"),
    ("<int:pk>/inscriptions/<int:signup_pk>/presence/", views.signup_attendance, "signup_attendance"),
]
SPACES = [("partner", "partenaires/besoins/", partner_required), ("staff", "gestion/besoins/", coordinator_required)]

urlpatterns = [
    path(prefix + route, guard(view), {"space": space}, name=f"{space}_{name}")
    for space, prefix, guard in SPACES
    for route, view, name in MANAGEMENT
] + [
    path("gestion/besoins/<int:pk>/episode/", coordinator_required(views.need_episode), name="staff_episode"),
    path("gestion/besoins/import/", coordinator_required(views.feed_import), name="feed_import"),
    path("gestion/besoins/envois/", coordinator_required(views.notification_list), name="notification_list"),
    path(
        "gestion/besoins/envois/<int:pk>/decision/",
        coordinator_required(views.notification_decide),
        name="notification_decide",
    ),
    path("besoins/", views.public_list, name="public_list"),
    path("besoins/<int:pk>/", views.public_detail, name="public_detail"),
    path("besoins/<int:pk>/inscription/", views.space_signup, name="space_signup"),
    path("besoins/invitation/<str:token>/", views.invitation, name="invitation"),
    path("besoins/inscription/<str:token>/", views.signup_link, name="signup_link"),
    path("mon-espace/creneaux/", views.my_shifts, name="my_shifts"),
    path("donnees-ouvertes/missions.xml", views.feed, name="feed"),
]
