"""Episodes (register officers): list, declare, edit, close."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.forms import EpisodeCloseForm, EpisodeForm
from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.services import CampaignError, episodes
from villesolidaire.core.http import form_status, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.crises.models import Episode, EpisodeStatus


@register_officer_required
@require_GET
def episode_list(request: HttpRequest) -> HttpResponse:
    episodes = Episode.objects.select_related("declared_by").prefetch_related(
        "quartiers",
        Prefetch("campaigns", queryset=Campaign.objects.order_by("-created_at", "-pk")),
    )
    page = paginate(request, episodes)
    record(actor=request.user, action=AuditAction.LIST, target=Episode, detail=f"page {page.number}", request=request)
    return render(request, "campaigns/episode_list.html", {"page_obj": page})


@register_officer_required
def episode_create(request: HttpRequest) -> HttpResponse:
    form = EpisodeForm(posted(request), initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError):
            episode = episodes.episode_declare(
                data=form.episode_data(), quartiers=form.cleaned_data["quartiers"], by=request.user, request=request
            )
            messages.success(request, "Épisode déclaré. Vous pouvez maintenant lancer une campagne d'appels.")
            return redirect("campaigns:episode_detail", episode.pk)
    return render(request, "campaigns/episode_form.html", {"form": form, "episode": None}, status=form_status(form))


@register_officer_required
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    if episode.status == EpisodeStatus.CLOSED:
        messages.info(request, "Cet épisode est clos : il ne peut plus être modifié.")
        return redirect("campaigns:episode_detail", episode.pk)
    form = EpisodeForm(posted(request), initial=EpisodeForm.initial_for(episode))
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, ValidationError, CampaignError):
            episodes.episode_update(
                episode=episode,
                data=form.episode_data(),
                quartiers=form.cleaned_data["quartiers"],
                by=request.user,
                request=request,
            )
            messages.success(request, "Épisode modifié.")
            return redirect("campaigns:episode_detail", episode.pk)
    return render(request, "campaigns/episode_form.html", {"form": form, "episode": episode}, status=form_status(form))


@register_officer_required
@require_GET
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode.objects.select_related("declared_by").prefetch_related("quartiers"), pk=pk)
    campaigns = episode.campaigns.select_related("created_by").order_by("-created_at", "-pk")
    record(actor=request.user, action=AuditAction.VIEW, target=episode, request=request)
    return render(
        request,
        "campaigns/episode_detail.html",
        {
            "episode": episode,
            "campaigns": campaigns,
            "close_form": EpisodeCloseForm(),
            "transitions": episode.transitions.select_related("by"),
        },
    )


@register_officer_required
@require_POST
def episode_close(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    form = EpisodeCloseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("campaigns:episode_detail", episode.pk)
    with service_errors(request, CampaignError):
        episodes.episode_close(
            episode=episode,
            by=request.user,
            ends_on=form.cleaned_data["ends_on"],
            note=form.cleaned_data["note"],
            request=request,
        )
        messages.success(request, "Épisode clos ; ses campagnes sont closes.")
    return redirect("campaigns:episode_detail", episode.pk)
