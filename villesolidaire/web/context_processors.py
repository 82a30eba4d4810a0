from django.http import HttpRequest

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import is_ready_for_staff_pages
from villesolidaire.core.tenancy import in_town
from villesolidaire.territory.models import Town


def town(request: HttpRequest) -> dict:
    """Branding (town name, logo, colours) and the navigation the current user may see."""
    if not in_town():
        return {"town": None}  # the host console of a multi-town deployment: no town, no town menu
    user = getattr(request, "user", None)
    roles = user.roles if user is not None and user.is_authenticated else frozenset()
    # A provisional password opens no staff page until it is replaced: no menu either.
    verified = user is not None and is_ready_for_staff_pages(user)
    return {
        "town": _cached_town(request),
        # Limited to some quartiers (territory.QuartierScope): only the pages that scope their rows.
        "nav_quartier_limited": verified and user.quartier_ids is not None,
        "nav_is_coordinator": verified and bool(roles & {Role.COORDINATOR, Role.ADMIN}),
        "nav_is_operator": verified and bool(roles & {Role.OPERATOR, Role.COORDINATOR, Role.ADMIN}),
        "nav_is_volunteer": user is not None and user.is_authenticated and hasattr(user, "volunteer"),
        # Register roles are never implied by the administrator role (CASF R121-7).
        "nav_is_register_officer": verified and Role.REGISTER_OFFICER in roles,
        # Register roles are designated by two people among administrators and officers.
        "nav_may_designate": verified and bool(roles & {Role.ADMIN, Role.REGISTER_OFFICER}),
        "nav_may_watch": verified
        and bool(roles & {Role.OPERATOR, Role.COORDINATOR, Role.ADMIN, Role.REGISTER_OFFICER}),
        "nav_is_caller": verified and bool(roles & {Role.REGISTER_OFFICER, Role.CALLER}),
        "nav_is_auditor": verified and Role.AUDITOR in roles,
        # API keys (villesolidaire.api): administrators only.
        "nav_is_admin": verified and Role.ADMIN in roles,
        "nav_is_partner": verified and Role.PARTNER in roles,
        # The dashboard and the bilan (accounts.perms.figures_reader_required).
        "nav_reads_figures": verified and bool(roles & {Role.COORDINATOR, Role.ADMIN, Role.OFFICIAL}),
        # Every staff member may change their own password (accounts:password_change).
        "nav_is_staff": verified and user.is_staff_member,
    }


def _cached_town(request: HttpRequest) -> Town | None:
    if not hasattr(request, "_town"):
        request._town = Town.current()
    return request._town
