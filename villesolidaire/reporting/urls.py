from django.urls import path

from villesolidaire.reporting import views

app_name = "reporting"

urlpatterns = [
    path("gestion/tableau-de-bord/", views.dashboard_view, name="dashboard"),
    path("gestion/tableau-de-bord/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("gestion/tableau-de-bord/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("gestion/bilan/episodes/<int:pk>/", views.episode_report_view, name="episode_report"),
    path("gestion/bilan/episodes/<int:pk>/bilan.pdf", views.episode_report_pdf, name="episode_report_pdf"),
    path("gestion/bilan/episodes/<int:pk>/bilan.xlsx", views.episode_report_xlsx, name="episode_report_xlsx"),
]
