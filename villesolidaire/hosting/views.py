"""The host console (public schema): towns, their state and storage, the host's log.

Only host operators (superusers of the public schema, with their second factor) enter; nothing
here reads a town's schema, so no town's personal data can be shown (decision 0014).
"""

from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from villesolidaire.accounts.forms import OwnPasswordChangeForm
from villesolidaire.accounts.services import password_change_by_owner
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.hosting.forms import HostLoginForm
from villesolidaire.hosting.models import HostEvent, TenantState, host_actor
from villesolidaire.hosting.selectors import town_rows
from villesolidaire.hosting.services import HostingError, delete_town, record, set_state, towns
from villesolidaire.hosting.tasks import backup_town_now


def host_operator_required(view, *, provisional_password_allowed: bool = False):
    """A host operator, second factor passed, whose provisional password (create_host_operator)
    is replaced first."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect("hosting:login")
        if not (user.is_superuser and user.is_verified()):
            raise Http404
        if user.password_is_provisional and not provisional_password_allowed:
            return redirect("hosting:password_change")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


class HostLoginView(LoginView):
    """Password and the code of the operator's authenticator, in one form (django-otp)."""

    template_name = "hosting/login.html"
    authentication_form = HostLoginForm
    redirect_authenticated_user = False

    def get_success_url(self) -> str:
        return "/"


class HostLogoutView(LogoutView):
    next_page = "hosting:login"


@host_operator_required
def console(request: HttpRequest) -> HttpResponse:
    rows = town_rows(towns())
    return render(
        request,
        "hosting/console.html",
        {"rows": rows, "states": TenantState, "total_bytes": sum(r.storage_bytes for r in rows)},
    )


@host_operator_required
@require_POST
def change_state(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = get_object_or_404(towns(), pk=pk)
    state = request.POST.get("state", "")
    if state not in TenantState.values:
        messages.error(request, "État inconnu.")
        return redirect("hosting:console")
    try:
        set_state(tenant, state, actor=host_actor(request.user))
    except HostingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{tenant.name} : {TenantState(state).label.lower()}.")
    return redirect("hosting:console")


@host_operator_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Deleting a town drops all its data: the operator types its schema name to confirm."""
    tenant = get_object_or_404(towns(), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            delete_town(tenant, confirm=request.POST.get("confirm", "").strip(), actor=host_actor(request.user))
        except HostingError as exc:
            error = str(exc)
        else:
            messages.success(request, f"{tenant.name} est supprimée, avec toutes ses données.")
            return redirect("hosting:console")
    return render(request, "hosting/delete.html", {"tenant": tenant, "error": error}, status=400 if error else 200)


@host_operator_required
@require_POST
def backup_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the town's backup: pg_dump may take minutes, the worker runs it, not the request."""
    tenant = get_object_or_404(towns(), pk=pk)
    backup_town_now.enqueue(tenant_id=tenant.pk, actor=host_actor(request.user))
    messages.success(
        request,
        f"Sauvegarde de {tenant.name} demandée : sa date et sa taille s'affichent ci-dessous une fois terminée.",
    )
    return redirect("hosting:console")


@host_operator_required
def host_log(request: HttpRequest) -> HttpResponse:
    page = paginate(request, HostEvent.objects.all())
    return render(request, "hosting/log.html", {"page": page})


def password_change(request: HttpRequest) -> HttpResponse:
    """An operator replaces their password: the one console page a provisional password opens."""
    form = OwnPasswordChangeForm(request.user, posted(request))
    if form.is_valid():
        password_change_by_owner(form=form, request=request, journal=False)
        record(host_actor(request.user), "password_change", detail="mot de passe changé par son titulaire")
        messages.success(request, "Votre mot de passe est changé.")
        return redirect("hosting:console")
    context = {"form": form, "provisional": request.user.password_is_provisional}
    return render(request, "hosting/password_change.html", context, status=form_status(form))


password_change = host_operator_required(password_change, provisional_password_allowed=True)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "hosting/not_found.html", status=404)
