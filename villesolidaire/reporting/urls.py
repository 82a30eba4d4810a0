from django.urls import path

from villesolidaire.reporting import views

app_name = "reporting"

urlpatterns = [
    path("gestion/bilan/", views.bilan_view, name="dashboard"),
    path("gestion/bilan/recalculer/", views.refresh, name="refresh"),
    path("gestion/bilan/introduction/", views.save_introduction, name="save_introduction"),
    path("gestion/bilan/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("gestion/bilan/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("gestion/bilan/bilan.pdf", views.pdf, name="pdf"),
    # The dashboard became the bilan: old bookmarks keep working.
    path("gestion/tableau-de-bord/", views.old_dashboard, name="old_dashboard"),
    path("gestion/bilan/episodes/<int:pk>/", views.episode_report_view, name="episode_report"),
    path("gestion/bilan/episodes/<int:pk>/bilan.pdf", views.episode_report_pdf, name="episode_report_pdf"),
    path("gestion/bilan/episodes/<int:pk>/bilan.xlsx", views.episode_report_xlsx, name="episode_report_xlsx"),
    # Public, opt-in by the town (Town.publish_figures).
    path("chiffres/", views.public_figures, name="public_figures"),
]
