"""The API's reference page: Swagger UI from drf-spectacular-sidecar's local copy (no CDN), its
start-up script served as a file so the site's Content-Security-Policy stays as it is."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ReferenceView(SpectacularSwaggerSplitView):
    template_name = "api/reference.html"
    title = "API de Ville Solidaire — référence"
