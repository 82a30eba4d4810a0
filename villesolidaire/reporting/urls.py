from django.urls import path

from villesolidaire.reporting import views

app_name = "reporting"

urlpatterns = [
    path("gestion/tableau-de-bord/", views.dashboard_view, name="dashboard"),
    path("gestion/tableau-de-bord/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("gestion/tableau-de-bord/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    # Public, opt-in by the town (Town.publish_figures).
    path("chiffres/", views.public_figures, name="public_figures"),
]
