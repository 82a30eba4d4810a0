"""« Clés d'API »: administrators create, adjust, renew and revoke the keys of the town's other
systems. A token is shown once, on the page that answers its creation or renewal, never again."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import role_required
from villesolidaire.api import services
from villesolidaire.api.forms import (
    ApiKeyCreateForm,
    ApiKeySettingsForm,
    RevokeForm,
    RotateForm,
    WebhookForm,
    default_expiry,
)
from villesolidaire.api.models import ApiKey, DeliveryStatus, WebhookDelivery, WebhookSubscription
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
            try:
                issued = services.api_key_create(
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    organisation=form.cleaned_data["organisation"],
                    scopes=form.cleaned_data["scopes"],
                    expires_at=form.expires_at,
                    rate_per_minute=form.cleaned_data["rate_per_minute"],
                    submission=form.cleaned_data["submission"],
                    by=request.user,
                    request=request,
                )
            except services.FormSentTwice as again:  # a page reloaded: nothing more was issued
                messages.info(request, str(again))
                return redirect("api:key_list")
            return render(request, "api/key_issued.html", {"key": issued.key, "token": issued.token, "created": True})
    status = 400 if request.method == "POST" else 200
    return render(request, "api/key_create.html", {"form": form}, status=status)


def _settings_form(key: ApiKey, data=None) -> ApiKeySettingsForm:
    initial = {
        "scopes": key.scopes,
        "expires_on": key.expires_on,
        "rate_per_minute": key.rate_per_minute,
    }
    return ApiKeySettingsForm(data, initial=initial, role=key.role)


@admin_required
def key_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.select_related("organisation", "created_by", "revoked_by"), pk=pk)
    form = _settings_form(key, request.POST or None)
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
    return render(request, "api/key_detail.html", _detail_context(key, form=form), status=status)


# Recent deliveries shown on a key's page (the failed ones first, whatever their age).
DELIVERIES_SHOWN = 20


def _detail_context(key: ApiKey, *, form=None, webhook_form=None, revoke_form=None) -> dict:
    deliveries = WebhookDelivery.objects.filter(subscription__key=key).select_related("subscription")
    return {
        "key": key,
        "form": form,
        "rotate_form": RotateForm(),
        "revoke_form": revoke_form or RevokeForm(),
        "webhook_form": webhook_form or WebhookForm(),
        "subscriptions": key.webhooks.filter(is_active=True),
        "failed_deliveries": list(deliveries.failed()[:DELIVERIES_SHOWN]),
        "recent_deliveries": list(deliveries.exclude(status=DeliveryStatus.FAILED)[:DELIVERIES_SHOWN]),
    }


@admin_required
@require_POST
@never_cache
def webhook_add(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=pk)
    form = WebhookForm(request.POST)
    if form.is_valid():
        with form_service_errors(form, services.ApiKeyError):
            issued = services.webhook_subscribe(
                key=key,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                by=request.user,
                request=request,
            )
            return render(
                request,
                "api/webhook_issued.html",
                {"key": key, "subscription": issued.subscription, "secret": issued.secret},
            )
    settings_form = _settings_form(key)
    return render(
        request, "api/key_detail.html", _detail_context(key, form=settings_form, webhook_form=form), status=400
    )


@admin_required
@require_POST
def webhook_remove(request: HttpRequest, pk: int, subscription_pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription.objects.select_related("key"), pk=subscription_pk, key_id=pk)
    services.webhook_unsubscribe(subscription=subscription, by=request.user, request=request)
    messages.success(request, f"Plus aucun événement ne sera envoyé à {subscription.url}.")
    return redirect("api:key_detail", pk=pk)


@admin_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("subscription__key"), pk=delivery_pk, subscription__key_id=pk
    )
    with service_errors(request, services.ApiKeyError):
        again = services.webhook_replay(delivery=delivery, by=request.user, request=request)
        messages.success(request, f"Événement renvoyé (envoi n° {again.pk}).")
    return redirect("api:key_detail", pk=pk)


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
        try:
            issued = services.api_key_rotate(
                key=key, by=request.user, grace=grace, submission=form.cleaned_data["submission"], request=request
            )
        except services.FormSentTwice as again:  # a page reloaded: renewed once only
            messages.info(request, str(again))
            return redirect("api:key_detail", pk=key.pk)
        return render(request, "api/key_issued.html", {"key": issued.key, "token": issued.token, "created": False})
    return redirect("api:key_detail", pk=key.pk)


@admin_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey.objects.select_related("organisation", "created_by", "revoked_by"), pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        context = _detail_context(key, form=_settings_form(key), revoke_form=form)
        return render(request, "api/key_detail.html", context, status=400)
    services.api_key_revoke(key=key, by=request.user, request=request)
    messages.success(request, f"La clé « {key.name} » est révoquée : ses appels sont refusés dès maintenant.")
    return redirect("api:key_detail", pk=key.pk)
