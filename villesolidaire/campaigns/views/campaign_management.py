"""Campaigns (register officers): launch with a targeting, follow, pause, resume, close, complete."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import selectors, sms_wave_sending
from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.forms import CampaignForm
from villesolidaire.campaigns.models import CAMPAIGN_WORKFLOW, Campaign
from villesolidaire.campaigns.rules import RecallRules
from villesolidaire.campaigns.services import CampaignError, campaign_lifecycle, targeting
from villesolidaire.campaigns.views.helpers import campaign_or_404
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.text import count_of
from villesolidaire.crises.models import Episode, EpisodeStatus

TRANSITION_VERBS = {
    CampaignStatus.PAUSED: "Mettre en pause",
    CampaignStatus.ACTIVE: "Reprendre",
    CampaignStatus.CLOSED: "Clore la campagne",
}


@register_officer_required
def campaign_create(request: HttpRequest, episode_pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode.objects.prefetch_related("quartiers"), pk=episode_pk)
    if episode.status == EpisodeStatus.CLOSED:
        messages.info(request, "Cet épisode est clos : on ne peut plus y lancer de campagne.")
        return redirect("campaigns:episode_detail", episode.pk)
    form = CampaignForm(posted(request), initial={"quartiers": list(episode.quartiers.all())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with form_service_errors(form, CampaignError):
            campaign = campaign_lifecycle.campaign_create(
                episode=episode,
                by=request.user,
                title=data["title"],
                targeting=targeting.Targeting(
                    quartiers=tuple(data["quartiers"]),
                    isolated_only=data["isolated_only"],
                    min_age=data["min_age"],
                    grounds=tuple(data["grounds"]),
                    include_linked_residents=data["include_linked_residents"],
                ),
                recall=RecallRules(
                    reached_recheck_hours=data["reached_recheck_hours"],
                    retry_minutes=data["retry_minutes"],
                    max_failed_attempts=data["max_failed_attempts"],
                    failure_window_hours=data["failure_window_hours"],
                ),
                questionnaire=data["questionnaire"],
                sms_wave=data["sms_wave"],
                request=request,
            )
            messages.success(request, f"Campagne créée : {count_of(campaign.targets_count, 'personne')} à appeler.")
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(
        request, "campaigns/campaign_form.html", {"form": form, "episode": episode}, status=form_status(form)
    )


@register_officer_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    now = timezone.now()
    record(actor=request.user, action=AuditAction.VIEW, target=campaign, request=request)
    actions = [(t, TRANSITION_VERBS[t]) for t in sorted(CAMPAIGN_WORKFLOW.allowed_targets(campaign.status))]
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "cards": selectors.count_cards(selectors.campaign_counts(campaign, now)),
            "unreached_count": selectors.unreached_count(campaign, now),
            "actions": actions,
            "sms_recipients": selectors_sms_recipients(campaign),
            "transitions": campaign.transitions.select_related("by"),
            "quartiers": campaign.quartiers.all(),
        },
    )


def selectors_sms_recipients(campaign: Campaign) -> int:
    if not campaign.sms_wave or campaign.sms_wave_started_at:
        return 0
    return sms_wave_sending.sms_wave_recipients(campaign).count()


@register_officer_required
@require_POST
def campaign_transition(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    target = request.POST.get("target", "")
    if target not in CampaignStatus.values:
        messages.error(request, "Action inconnue.")
        return redirect("campaigns:campaign_detail", campaign.pk)
    with service_errors(request, CampaignError):
        campaign_lifecycle.campaign_transition(campaign=campaign, target=target, by=request.user, request=request)
        messages.success(request, f"Campagne : {CampaignStatus(target).label.lower()}.")
    return redirect("campaigns:campaign_detail", campaign.pk)


@register_officer_required
@require_POST
def campaign_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    with service_errors(request, CampaignError):
        added = campaign_lifecycle.campaign_refresh(campaign=campaign, by=request.user, request=request)
        messages.success(request, f"{count_of(added, 'personne ajoutée', 'personnes ajoutées')} à la campagne.")
    return redirect("campaigns:campaign_detail", campaign.pk)
