from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from villesolidaire.accounts.admin_site import StaffAdminSite

# The admin holds town settings and role grants: staff need their second factor there too, and
# replace a provisional password first. Set before `admin.site.urls` is built: some admin views
# (UserAdmin's password page) are wrapped by the site's `admin_view` when the URLs are built.
admin.site.__class__ = StaffAdminSite
admin.site.site_header = "Ville Solidaire — administration"
admin.site.site_title = "Ville Solidaire"

urlpatterns = [
    path("", include("villesolidaire.web.urls")),
    path("comptes/", include("villesolidaire.accounts.urls")),
    path("", include("villesolidaire.territory.urls")),
    path("", include("villesolidaire.volunteers.urls")),
    path("", include("villesolidaire.residents.urls")),
    path("", include("villesolidaire.help_requests.urls")),
    path("", include("villesolidaire.matching.urls")),
    path("", include("villesolidaire.missions.urls")),
    path("", include("villesolidaire.surveys.urls")),
    path("", include("villesolidaire.notifications.urls")),
    path("", include("villesolidaire.reporting.urls")),
    path("", include("villesolidaire.operations.urls")),
    path("", include("villesolidaire.audit.urls")),
    path("", include("villesolidaire.register.urls")),
    path("", include("villesolidaire.campaigns.urls")),
    path("", include("villesolidaire.partners.urls")),
    path("", include("villesolidaire.trainings.urls")),
    path("", include("villesolidaire.needs.urls")),
    path("", include("villesolidaire.neighbours.urls")),
    path("", include("villesolidaire.telephony.urls")),
    path("", include("villesolidaire.api.urls")),
    path("admin/", admin.site.urls),
]

# Bench only (bench/signup.py, VS_BENCH_VIEWS): two bare views measured beside the sign-up in the
# same server. Never set in production: the module lives in bench/ and is only imported then.
if settings.VS_BENCH_VIEWS:
    urlpatterns.insert(0, path("banc-essai/", include("bench.bare_views")))

handler404 = "villesolidaire.web.views.error_404"
handler500 = "villesolidaire.web.views.error_500"
