from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe

from villesolidaire.accounts.enums import Role
from villesolidaire.territory.models import Town
from villesolidaire.volunteers.models import RecruitmentCall


@require_safe  # HEAD too: uptime checkers probe the home page with it
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and user.is_staff_member and user.is_verified():
        return redirect(staff_home(user))
    if user.is_authenticated and hasattr(user, "volunteer"):
        return redirect("volunteers:space")
    return render(request, "core/home.html", {"recruitment_call": RecruitmentCall.objects.open_now().first()})


def staff_home(user) -> str:
    """The first page a signed-in staff member needs, by role."""
    if user.quartier_ids is not None:  # limited to some quartiers: the pages that scope their rows
        if user.has_role(Role.OPERATOR, Role.COORDINATOR):
            return "help_requests:list"
        if user.has_role(Role.REGISTER_OFFICER):
            return "register:list"
    if user.has_role(Role.OPERATOR, Role.COORDINATOR, Role.ADMIN, Role.REGISTER_OFFICER):
        return "operations:today"
    if user.has_role(Role.CALLER):
        return "campaigns:caller_home"
    if user.has_role(Role.PARTNER):
        return "partners:partner_home"
    if user.has_role(Role.OFFICIAL):
        return "reporting:dashboard"
    return "audit:journal"


@require_GET
@cache_control(max_age=300)
@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers fetch on their own: the static icon (hashed name in production)."""
    return redirect(static("vs/img/favicon.ico"), permanent=False)


def theme_css(request: HttpRequest) -> HttpResponse:
    """Town colours as CSS custom properties: a stylesheet, so CSP needs no inline style."""
    town = Town.current()
    primary = town.primary_colour if town else "#1d4e89"
    accent = town.accent_colour if town else "#b3541e"
    css = f":root {{ --vs-primary: {primary}; --vs-accent: {accent}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_GET
@cache_control(max_age=3600)
def town_logo(request: HttpRequest) -> FileResponse:
    town = Town.current()
    if not town or not town.logo:
        raise Http404
    return FileResponse(town.logo.open("rb"))


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    retention = {
        "inactive_months": settings.VS_VOLUNTEER_INACTIVE_MONTHS,
        "notice_days": settings.VS_VOLUNTEER_NOTICE_DAYS,
    }
    return render(request, "core/privacy.html", retention)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    # The API's unknown addresses answer its JSON 404 through its own last route (api.urls).
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page opened before signing in or out again (its security token is
    stale): say so in French, with the way back, rather than Django's bare page."""
    return render(request, "403_csrf.html", status=403)
