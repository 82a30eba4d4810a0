"""URLs of the host console: the public schema, outside any town (decision 0014)."""

from django.urls import include, path

urlpatterns = [
    path("", include("villesolidaire.hosting.urls")),
]

handler404 = "villesolidaire.hosting.views.not_found"
