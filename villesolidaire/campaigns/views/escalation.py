"""One person in a campaign (register officers): their history and the escalation steps."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import EscalationKind
from villesolidaire.campaigns.forms import EscalationForm
from villesolidaire.campaigns.models import CallTarget, Campaign
from villesolidaire.campaigns.selectors import CALL_SCREEN_FIELDS
from villesolidaire.campaigns.services import CampaignError, escalation
from villesolidaire.campaigns.views.helpers import campaign_or_404
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.service_errors import form_service_errors


def _target_or_404(campaign: Campaign, target_pk: int) -> CallTarget:
    return get_object_or_404(
        CallTarget.objects.select_related("entry", "quartier", "locked_by"), pk=target_pk, campaign=campaign
    )


@register_officer_required
def target_detail(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    target = _target_or_404(campaign, target_pk)
    step = target.escalation_steps.filter(done_at__isnull=True).first()
    form = EscalationForm(posted(request), kind=step.kind if step else "")
    if request.method == "POST":
        if step is None:
            messages.info(request, "Aucune étape d'escalade en cours pour cette personne.")
            return redirect("campaigns:target_detail", campaign.pk, target.pk)
        if form.is_valid():
            with form_service_errors(form, CampaignError):
                next_step = escalation.escalation_record(
                    step=step,
                    by=request.user,
                    result=form.cleaned_data["result"],
                    notes=form.cleaned_data["notes"],
                    assigned_volunteer=form.volunteer,
                    assigned_agent=form.agent,
                    request=request,
                )
                messages.success(
                    request,
                    "Étape enregistrée."
                    + (f" Étape suivante : {next_step.get_kind_display().lower()}." if next_step else ""),
                )
                return redirect("campaigns:target_detail", campaign.pk, target.pk)
    fields = list(CALL_SCREEN_FIELDS)
    if step and step.kind == EscalationKind.EMERGENCY_CONTACT:
        fields += ["emergency_contact_name", "emergency_contact_phone"]
    if step and step.kind == EscalationKind.HOME_CARE:
        fields += ["home_care_service"]
    if step and step.kind == EscalationKind.HOME_VISIT:
        fields += ["address", "address_complement"]
    entry = target.entry  # None once the entry's trace is purged or the call log expired
    record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=entry if entry is not None else target,
        fields=fields if entry is not None else [],
        detail=f"Suivi d'une personne, campagne {campaign.pk}",
        request=request,
    )
    return render(
        request,
        "campaigns/target_detail.html",
        {
            "campaign": campaign,
            "target": target,
            "entry": entry,
            "step": step,
            "form": form,
            "age": entry.age_on(timezone.localdate()) if entry is not None else None,
            "attempts": target.attempts.select_related("caller", "help_request").order_by("-ended_at", "-pk"),
            "steps": target.escalation_steps.select_related("done_by", "assigned_volunteer", "assigned_agent"),
            "transitions": target.transitions.select_related("by"),
        },
        status=form_status(form),
    )
