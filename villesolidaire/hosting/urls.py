from django.urls import path

from villesolidaire.hosting import views

app_name = "hosting"

urlpatterns = [
    path("", views.console, name="console"),
    path("connexion/", views.HostLoginView.as_view(), name="login"),
    path("deconnexion/", views.HostLogoutView.as_view(), name="logout"),
    path("communes/<int:pk>/etat/", views.change_state, name="change_state"),
    path("communes/<int:pk>/sauvegarder/", views.backup_now, name="backup_now"),
    path("communes/<int:pk>/supprimer/", views.delete, name="delete"),
    path("journal/", views.host_log, name="log"),
    path("mot-de-passe/", views.password_change, name="password_change"),
]
