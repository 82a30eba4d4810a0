from django.urls import path

from villesolidaire.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.StaffLoginView.as_view(), name="login"),
    path("deconnexion/", views.StaffLogoutView.as_view(), name="logout"),
    path("verification/", views.second_factor, name="otp"),
    path("verification/activer/", views.enrol_totp, name="otp_enrol"),
    path("mot-de-passe/", views.password_change, name="password_change"),
]
