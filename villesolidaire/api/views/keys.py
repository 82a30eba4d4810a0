"""« Clés d'API »: administrators create, adjust, renew and revoke the keys of the town's other
systems. A token is shown once, on the page that answers its creation or renewal, never again."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import role_required
from villesolidaire.api import services
from villesolidaire.api.forms import ApiKeyCreateForm, ApiKeySettingsForm, RotateForm, default_expiry
from villesolidaire.api.models import ApiKey
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors

admin_required = role_required(Role.ADMIN)


@admin_required
def key_list(request: HttpRequest) -> HttpResponse:
    keys = ApiKey.objects.select_related("organisation").order_by("revoked_at", "name")
    return render(request, "api/key_list.html", {"page_obj": paginate(request, keys)})


@admin_required
@never_cache
def key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST or None, initial={"expires_on": default_expiry()})
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.ApiKeyError):
            issued = services.api_key_create(
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at,
                rate_per_minute=form.cleaned_data["rate_per_minute"],
                by=request.user,
                request=request,
            )
            return render(request, "api/key_issued.html", {"key": issued.key, "token": issued.token, "created": True})
    status = 400 if request.method == "POST" else 200
    return render(request, "api/key_create.html", {"form": form}, status=status)


@admin_required
def key_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.select_related("organisation", "created_by", "revoked_by"), pk=pk)
    initial = {
        "scopes": key.scopes,
        "expires_on": timezone.localtime(key.expires_at).date() - datetime.timedelta(days=1),
        "rate_per_minute": key.rate_per_minute,
    }
    form = ApiKeySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.ApiKeyError):
            services.api_key_update(
                key=key,
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at,
                rate_per_minute=form.cleaned_data["rate_per_minute"],
                by=request.user,
                request=request,
            )
            messages.success(request, "Clé enregistrée.")
            return redirect("api:key_detail", pk=key.pk)
    status = 400 if request.method == "POST" else 200
    context = {"key": key, "form": form, "rotate_form": RotateForm()}
    return render(request, "api/key_detail.html", context, status=status)


@admin_required
@require_POST
@never_cache
def key_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez combien de temps l'ancienne clé reste valable.")
        return redirect("api:key_detail", pk=key.pk)
    with service_errors(request, services.ApiKeyError):
        grace = datetime.timedelta(hours=form.cleaned_data["grace_hours"])
        issued = services.api_key_rotate(key=key, by=request.user, grace=grace, request=request)
        return render(request, "api/key_issued.html", {"key": issued.key, "token": issued.token, "created": False})
    return redirect("api:key_detail", pk=key.pk)


@admin_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(key=key, by=request.user, request=request)
    messages.success(request, f"La clé « {key.name} » est révoquée : ses appels sont refusés dès maintenant.")
    return redirect("api:key_detail", pk=key.pk)
