"""URLs of the host console: the public schema, outside any town (decision 0014)."""

from django.urls import include, path

from villesolidaire.core.health import HealthView

urlpatterns = [
    path("", include("villesolidaire.hosting.urls")),
    # For the load balancer: the database, the host's one task queue and its workers' heartbeat.
    path("sante/", HealthView.as_view(), name="health"),
]

handler404 = "villesolidaire.hosting.views.not_found"
