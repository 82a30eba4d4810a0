from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import operator_required, quartier_aware
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors
from villesolidaire.notifications.models import CallTaskStatus
from villesolidaire.residents import services
from villesolidaire.residents.filters import ResidentFilter
from villesolidaire.residents.forms import ResidentContactForm, ResidentForm, ResidentMergeForm, ResidentSearchForm
from villesolidaire.residents.models import Resident


def _resident_or_404(request: HttpRequest, pk: int) -> Resident:
    return get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("quartier", "merged_into"), pk=pk
    )


@operator_required
@quartier_aware
def resident_list(request: HttpRequest) -> HttpResponse:
    residents = Resident.objects.visible_to(request.user).active()
    filterset = ResidentFilter(request.GET or None, queryset=residents)
    # Invalid criteria are reported on the form and every file is listed.
    searched = filterset.is_valid() and bool(filterset.form.cleaned_data.get("q"))
    rows = (filterset.qs if filterset.is_valid() else residents).select_related("quartier").with_open_requests()
    if not searched:  # a search comes in its own order: the closest names first
        rows = rows.order_by("last_name", "first_name", "pk")
    page = paginate(request, rows)
    return render(request, "residents/list.html", {"filter": filterset, "page_obj": page})


@operator_required
@quartier_aware
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    if resident.is_merged:
        return render(request, "residents/merged.html", {"resident": resident})
    context = {
        "resident": resident,
        "help_requests": resident.help_requests.select_related("category").order_by("-created_at"),
        "supports": resident.supports.select_related("volunteer", "help_request__category"),
        "call_tasks": resident.call_tasks.filter(status=CallTaskStatus.OPEN),
        "contacts": resident.contacts.all(),
        "contact_form": ResidentContactForm(),
    }
    return render(request, "residents/detail.html", context)


@operator_required
@quartier_aware
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    if resident.is_merged:
        return redirect("residents:detail", pk=resident.pk)
    form = ResidentForm(request.POST or None, initial=ResidentForm.initial_for(resident))
    if request.method == "POST" and form.is_valid():
        services.resident_update(resident=resident, data=form.cleaned_data)
        if resident.address and not resident.is_located:
            messages.warning(request, "Adresse introuvable : elle est gardée telle que saisie, sans quartier.")
        messages.success(request, "La fiche a été enregistrée.")
        return redirect("residents:detail", pk=resident.pk)
    return render(request, "residents/edit.html", {"resident": resident, "form": form})


@operator_required
@require_POST
@quartier_aware
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    form = ResidentContactForm(request.POST)
    if resident.is_merged or not form.is_valid():
        return render(
            request, "residents/contact_form_page.html", {"resident": resident, "contact_form": form}, status=400
        )
    services.resident_contact_add(resident=resident, **form.cleaned_data)
    messages.success(request, "Le ou la proche a été ajouté·e.")
    return redirect("residents:detail", pk=resident.pk)


@operator_required
@require_POST
@quartier_aware
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    resident = _resident_or_404(request, pk)
    get_object_or_404(resident.contacts, pk=contact_pk).delete()
    messages.success(request, "Le ou la proche a été retiré·e de la fiche.")
    return redirect("residents:detail", pk=resident.pk)


@operator_required
@quartier_aware
def resident_merge(request: HttpRequest, pk: int) -> HttpResponse:
    target = _resident_or_404(request, pk)
    if target.is_merged:
        return redirect("residents:detail", pk=target.pk)
    candidates = Resident.objects.visible_to(request.user).active()
    search = ResidentSearchForm(request.GET or None)
    form = ResidentMergeForm(request.POST or None, target=target, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.MergeError):
            services.resident_merge(source=form.cleaned_data["source"], target=target, by=request.user)
            messages.success(request, f"La fiche en double a été fusionnée dans celle de {target}.")
            return redirect("residents:detail", pk=target.pk)
    results = [r for r in search.results(candidates) if r.pk != target.pk]
    context = {"resident": target, "search": search, "form": form, "results": results}
    return render(request, "residents/merge.html", context)
