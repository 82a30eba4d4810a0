"""Callers' accreditations (register officers): grant and revoke."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.forms import AccreditationForm
from villesolidaire.campaigns.models import CallerAccreditation
from villesolidaire.campaigns.services import CampaignError, accreditations
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import service_errors


@register_officer_required
def callers(request: HttpRequest) -> HttpResponse:
    form = AccreditationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            accreditations.accreditation_grant(
                user=form.user,
                training_on=form.cleaned_data["training_on"],
                undertaking_signed_on=form.cleaned_data["undertaking_signed_on"],
                by=request.user,
                request=request,
            )
        except CampaignError as exc:
            form.add_error("email", str(exc))
        else:
            if form.user.has_role(Role.CALLER):
                messages.success(request, f"{form.user} est habilité·e à passer les appels.")
            else:
                messages.success(
                    request,
                    f"Formation et engagement de {form.user} enregistrés. Il reste à lui attribuer le rôle "
                    "d'appelant·e : une personne le propose, une autre l'approuve (Habilitations au registre).",
                )
            return redirect("campaigns:callers")
    rows = CallerAccreditation.objects.select_related("user", "granted_by", "revoked_by", "volunteer").order_by(
        "revoked_at", "-granted_at", "-pk"
    )
    page = paginate(request, rows)
    record(actor=request.user, action=AuditAction.LIST, target=CallerAccreditation, request=request)
    return render(request, "campaigns/callers.html", {"form": form, "page_obj": page}, status=form_status(form))


@register_officer_required
@require_POST
def caller_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    accreditation = get_object_or_404(CallerAccreditation.objects.select_related("user"), pk=pk)
    with service_errors(request, CampaignError):
        accreditations.accreditation_revoke(accreditation=accreditation, by=request.user, request=request)
        messages.success(
            request,
            f"Habilitation de {accreditation.user} retirée : ses appels s'arrêtent. Le retrait du rôle "
            "d'appelant·e se propose sur la page Habilitations au registre.",
        )
    return redirect("campaigns:callers")
