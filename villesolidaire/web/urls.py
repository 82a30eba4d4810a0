from django.urls import path

from villesolidaire.core.health import HealthView
from villesolidaire.web import monitoring, views

# The namespace these pages always had (templates and tests reverse "core:home").
app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("theme.css", views.theme_css, name="theme_css"),
    # Browsers ask for /favicon.ico whatever the page says: send them to the static file.
    path("favicon.ico", views.favicon, name="favicon"),
    path("logo", views.town_logo, name="logo"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    # Operations (docs/operations.md): health for load balancers, metrics for Prometheus.
    path("sante/", HealthView.as_view(), name="health"),
    path("metriques/", monitoring.metrics, name="metrics"),
]
