from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from villesolidaire.api.reference import ReferenceView
from villesolidaire.api.views import endpoints as views
from villesolidaire.api.views import keys as key_views

app_name = "api"

router = SimpleRouter()
router.register("help-requests", views.HelpRequestViewSet, basename="help-request")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("volunteers", views.VolunteerViewSet, basename="volunteer")
router.register("supports", views.SupportViewSet, basename="support")
router.register("missions", views.MissionViewSet, basename="mission")
router.register("needs", views.NeedViewSet, basename="need")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("services", views.ServiceViewSet, basename="service")
router.register("help-categories", views.HelpCategoryViewSet, basename="help-category")
router.register("campaigns", views.CampaignProgressViewSet, basename="campaign")

urlpatterns = [
    path("gestion/cles-api/", key_views.key_list, name="key_list"),
    path("gestion/cles-api/nouvelle/", key_views.key_create, name="key_create"),
    path("gestion/cles-api/<int:pk>/", key_views.key_detail, name="key_detail"),
    path("gestion/cles-api/<int:pk>/renouveler/", key_views.key_rotate, name="key_rotate"),
    path("gestion/cles-api/<int:pk>/revoquer/", key_views.key_revoke, name="key_revoke"),
    path("gestion/cles-api/<int:pk>/evenements/", key_views.webhook_add, name="webhook_add"),
    path(
        "gestion/cles-api/<int:pk>/evenements/<int:subscription_pk>/arreter/",
        key_views.webhook_remove,
        name="webhook_remove",
    ),
    path(
        "gestion/cles-api/<int:pk>/envois/<int:delivery_pk>/renvoyer/",
        key_views.delivery_replay,
        name="delivery_replay",
    ),
    path("api/v1/openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("api/v1/reference/", ReferenceView.as_view(url_name="api:schema"), name="reference"),
    path("api/v1/telephony/<slug:provider>/calls/", views.IncomingCallView.as_view(), name="telephony-calls"),
    path("api/v1/", include(router.urls)),
    # Last: any other /api/…/ address answers the API's JSON 404, with DEBUG on too (Django's own
    # page for an unknown address would otherwise be HTML), with or without a final slash; an API
    # address missing only its final slash is redirected there by this view (APPEND_SLASH's work).
    re_path(r"^api/", views.unknown_address, name="unknown"),
]
