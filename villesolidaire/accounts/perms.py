"""Who may do what. Pure functions of the user; views guard themselves with `role_required`.

Someone without the right gets a 404, never a hint that the page exists.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from villesolidaire.accounts.enums import Role

# Who reads the aggregated figures (dashboard, bilan, their exports): never a name on those pages.
FIGURES_READER_ROLES = (Role.COORDINATOR, Role.ADMIN, Role.OFFICIAL)


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.ADMIN)


def is_operator(user) -> bool:
    return user.is_authenticated and user.has_role(Role.OPERATOR, Role.COORDINATOR, Role.ADMIN)


def is_volunteer(user) -> bool:
    return user.is_authenticated and hasattr(user, "volunteer")


def is_register_officer(user) -> bool:
    """Named register officer (R121-7). Deliberately not implied by the administrator role."""
    return user.is_authenticated and user.has_role(Role.REGISTER_OFFICER)


def is_caller(user) -> bool:
    """May take calls from a campaign queue: register officers and accredited callers."""
    return user.is_authenticated and user.has_role(Role.REGISTER_OFFICER, Role.CALLER)


def is_auditor(user) -> bool:
    return user.is_authenticated and user.has_role(Role.AUDITOR)


def is_partner(user) -> bool:
    """Acts for a partner organisation; what it may touch is scoped by its memberships."""
    return user.is_authenticated and user.has_role(Role.PARTNER)


def is_official(user) -> bool:
    """Elected official or director: reads aggregated figures only (dashboard, bilan)."""
    return user.is_authenticated and user.has_role(Role.OFFICIAL)


def is_figures_reader(user) -> bool:
    """May read the dashboard and the bilan: coordinators, administrators, officials."""
    return user.is_authenticated and user.has_role(*FIGURES_READER_ROLES)


def is_second_factor_verified(user) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


def is_ready_for_staff_pages(user) -> bool:
    """Signed in, second factor passed, and a password of their own: what every staff page needs
    besides the role (the menu and the htmx fragments, which answer no redirect, ask it directly)."""
    return bool(user.is_authenticated and is_second_factor_verified(user) and not user.password_is_provisional)


def redirect_to_password_change(request: HttpRequest) -> HttpResponse:
    """To « Mot de passe », back to this page once a provisional password is replaced."""
    return redirect(f"{reverse('accounts:password_change')}?{urlencode({'next': request.get_full_path()})}")


def _staff_guard(may_enter: Callable[..., bool], *, provisional_password_allowed: bool = False) -> Callable:
    """Staff view guard: login, then the role check (404 when refused), then second factor, then a
    password someone else chose is replaced (accounts.services.password_provisional)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may_enter(user):
                raise Http404
            # Someone limited to some quartiers opens only the pages that scope their rows.
            if user.quartier_ids is not None and not getattr(view, "quartier_aware", False):
                raise Http404
            if not is_second_factor_verified(user):
                return redirect(f"{_otp_url()}?{urlencode({'next': request.get_full_path()})}")
            if user.password_is_provisional and not provisional_password_allowed:
                return redirect_to_password_change(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def quartier_aware(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a staff view whose every read goes through `within_quartiers`: people whose roles stop
    at some quartiers (territory.QuartierScope) may open it. Put it under the role guard."""
    view.quartier_aware = True
    return view


def within_quartiers(queryset: QuerySet, user, path: str = "quartier") -> QuerySet:
    """The rows of `queryset` inside the user's quartiers (`path` leads to the row's quartier);
    all of them for someone with no quartier limit."""
    quartier_ids = user.quartier_ids
    if quartier_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": quartier_ids})


def staff_account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Second-factor pages: signed in, with a staff role (a volunteer's account gets a 404).

    No second-factor check here: these are the pages that establish it.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff_member:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def own_account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page about one's own account (the password): every staff member, second factor passed,
    whatever their quartiers; the one page a provisional password opens."""
    return _staff_guard(lambda user: user.is_staff_member, provisional_password_allowed=True)(quartier_aware(view))


def role_required(*roles: str) -> Callable:
    """Staff view guard for these roles (the administrator role opens every such door)."""
    return _staff_guard(lambda user: user.has_role(*roles, Role.ADMIN))


def strict_role_required(*roles: str) -> Callable:
    """Like `role_required`, but the administrator role does not open the door.

    The register and its campaigns are reserved to people named for them (CASF R121-7);
    an administrator who is not named gets the same 404 as everyone else.
    """
    return _staff_guard(lambda user: user.has_role(*roles))


def register_officer_required(view):
    return strict_role_required(Role.REGISTER_OFFICER)(view)


def caller_required(view):
    return strict_role_required(Role.REGISTER_OFFICER, Role.CALLER)(view)


def auditor_required(view):
    return strict_role_required(Role.AUDITOR)(view)


def partner_required(view):
    """Partner space: a partner account only (coordinators use their own pages)."""
    return strict_role_required(Role.PARTNER)(view)


def coordinator_required(view):
    return role_required(Role.COORDINATOR)(view)


def figures_reader_required(view):
    """The dashboard, the bilan and their exports: coordinators, administrators and officials.

    Every page behind this guard shows counts only, never a person (tests/test_official_matrix.py)."""
    return role_required(*FIGURES_READER_ROLES)(view)


def operator_required(view):
    return role_required(Role.OPERATOR, Role.COORDINATOR)(view)


def volunteer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Volunteer space guard: signed in (magic link) and linked to a volunteer profile."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("volunteers:magic_link_request")
        if not is_volunteer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _otp_url() -> str:
    return reverse("accounts:otp")
