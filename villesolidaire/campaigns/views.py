"""Episodes and campaigns (register officers), the caller screens, and the SMS reply webhook.

Every page that shows campaign data writes an audit row (audit.services.record) before
rendering; every write goes through services.py, which audits it in the same transaction.
"""

import hmac
import json
import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.perms import caller_required, register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import selectors, services
from villesolidaire.campaigns.enums import CampaignStatus, EscalationKind
from villesolidaire.campaigns.forms import (
    AccreditationForm,
    AttemptForm,
    CampaignForm,
    EpisodeCloseForm,
    EpisodeForm,
    EscalationForm,
)
from villesolidaire.campaigns.models import (
    CAMPAIGN_WORKFLOW,
    CallerAccreditation,
    CallTarget,
    Campaign,
    Episode,
    EpisodeStatus,
)
from villesolidaire.campaigns.rules import RecallRules
from villesolidaire.core.exports import Table, download

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
CALL_SCREEN_FIELDS = ["first_names", "last_name", "birth_date", "phone", "quartier"]
TRANSITION_VERBS = {
    CampaignStatus.PAUSED: "Mettre en pause",
    CampaignStatus.ACTIVE: "Reprendre",
    CampaignStatus.CLOSED: "Clore la campagne",
}


def accredited_caller_required(view):
    """Caller screens: the register officer or caller role (strict guard), then an active accreditation."""

    @caller_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not services.is_accredited(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _posted(request: HttpRequest):
    """The POST data when the form was sent (even empty), else None (unbound form)."""
    return request.POST if request.method == "POST" else None


def _campaign_or_404(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("episode", "questionnaire", "created_by"), pk=pk)


# Episodes -------------------------------------------------------------------------------------


@register_officer_required
@require_GET
def episode_list(request: HttpRequest) -> HttpResponse:
    episodes = Episode.objects.select_related("declared_by").prefetch_related(
        "quartiers",
        Prefetch("campaigns", queryset=Campaign.objects.order_by("-created_at", "-pk")),
    )
    page = Paginator(episodes, PAGE_SIZE).get_page(request.GET.get("page"))
    record(actor=request.user, action=AuditAction.LIST, target=Episode, detail=f"page {page.number}", request=request)
    return render(request, "campaigns/episode_list.html", {"page_obj": page})


@register_officer_required
def episode_create(request: HttpRequest) -> HttpResponse:
    form = EpisodeForm(_posted(request), initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_declare(
                data=form.episode_data(), quartiers=form.cleaned_data["quartiers"], by=request.user, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Épisode déclaré. Vous pouvez maintenant lancer une campagne d'appels.")
            return redirect("campaigns:episode_detail", episode.pk)
    return render(
        request, "campaigns/episode_form.html", {"form": form, "episode": None}, status=400 if form.errors else 200
    )


@register_officer_required
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    if episode.status == EpisodeStatus.CLOSED:
        messages.info(request, "Cet épisode est clos : il ne peut plus être modifié.")
        return redirect("campaigns:episode_detail", episode.pk)
    form = EpisodeForm(_posted(request), initial=EpisodeForm.initial_for(episode))
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_update(
                episode=episode,
                data=form.episode_data(),
                quartiers=form.cleaned_data["quartiers"],
                by=request.user,
                request=request,
            )
        except (ValidationError, services.CampaignError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "Épisode modifié.")
            return redirect("campaigns:episode_detail", episode.pk)
    return render(
        request, "campaigns/episode_form.html", {"form": form, "episode": episode}, status=400 if form.errors else 200
    )


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
    try:
        services.episode_close(
            episode=episode,
            by=request.user,
            ends_on=form.cleaned_data["ends_on"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Épisode clos ; ses campagnes sont closes.")
    return redirect("campaigns:episode_detail", episode.pk)


# Campaigns ------------------------------------------------------------------------------------


@register_officer_required
def campaign_create(request: HttpRequest, episode_pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode.objects.prefetch_related("quartiers"), pk=episode_pk)
    if episode.status == EpisodeStatus.CLOSED:
        messages.info(request, "Cet épisode est clos : on ne peut plus y lancer de campagne.")
        return redirect("campaigns:episode_detail", episode.pk)
    form = CampaignForm(_posted(request), initial={"quartiers": list(episode.quartiers.all())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                episode=episode,
                by=request.user,
                title=data["title"],
                targeting=services.Targeting(
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
        except services.CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Campagne créée : {campaign.targets_count} personne(s) à appeler.")
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(
        request, "campaigns/campaign_form.html", {"form": form, "episode": episode}, status=400 if form.errors else 200
    )


@register_officer_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
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
    return services.sms_wave_recipients(campaign).count()


@register_officer_required
@require_POST
def campaign_transition(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    target = request.POST.get("target", "")
    if target not in CampaignStatus.values:
        messages.error(request, "Action inconnue.")
        return redirect("campaigns:campaign_detail", campaign.pk)
    try:
        services.campaign_transition(campaign=campaign, target=target, by=request.user, request=request)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Campagne : {CampaignStatus(target).label.lower()}.")
    return redirect("campaigns:campaign_detail", campaign.pk)


@register_officer_required
@require_POST
def campaign_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    try:
        added = services.campaign_refresh(campaign=campaign, by=request.user, request=request)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{added} personne(s) ajoutée(s) à la campagne.")
    return redirect("campaigns:campaign_detail", campaign.pk)


@register_officer_required
@require_POST
def sms_wave(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    try:
        count = services.sms_wave_start(campaign=campaign, by=request.user, request=request)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Vague de SMS lancée : {count} message(s) en file d'envoi.")
    return redirect("campaigns:campaign_detail", campaign.pk)


# Dashboard, unreached list, daily report ------------------------------------------------------


def _dashboard_context(campaign: Campaign) -> dict:
    now = timezone.now()
    return {
        "campaign": campaign,
        "cards": selectors.count_cards(selectors.campaign_counts(campaign, now)),
        "by_quartier": selectors.by_quartier(campaign, now),
        "by_caller": selectors.by_caller(campaign),
        "unreached_count": selectors.unreached_count(campaign, now),
        "refreshed_at": now,
    }


@register_officer_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    context = _dashboard_context(campaign)
    fragment = bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request
    record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=campaign,
        fields=["dashboard"],
        detail="Tableau de bord (actualisation)" if fragment else "Tableau de bord",
        request=request,
    )
    if fragment:
        return render(request, "campaigns/_dashboard_figures.html", context)
    return render(request, "campaigns/dashboard.html", context)


@register_officer_required
@require_GET
def unreached(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    now = timezone.now()
    rows = selectors.unreached_targets(campaign, now)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        actor=request.user,
        action=AuditAction.LIST,
        target=CallTarget,
        fields=["last_name", "first_names"],
        detail=f"Non joints, campagne {campaign.pk}, page {page.number}",
        request=request,
    )
    return render(
        request,
        "campaigns/unreached.html",
        {"campaign": campaign, "page_obj": page, "now": now, "overdue_before": now - selectors.OVERDUE_GRACE},
    )


@register_officer_required
@require_GET
def daily_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    campaign = _campaign_or_404(pk)
    rows = selectors.daily_report(campaign)
    title = f"Rapport quotidien — {campaign.title} — {campaign.episode}"
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=campaign,
        fields=selectors.REPORT_HEADERS,
        detail=f"Rapport quotidien {fmt} (agrégats, sans nom)",
        request=request,
    )
    table = Table("Rapport quotidien", selectors.REPORT_HEADERS, rows)
    name = f"rapport-quotidien-campagne-{campaign.pk}-{timezone.localdate():%Y%m%d}"
    return download(fmt, [table], name, heading=title)


# One person: history and escalation (officers) ------------------------------------------------


def _target_or_404(campaign: Campaign, target_pk: int) -> CallTarget:
    return get_object_or_404(
        CallTarget.objects.select_related("entry", "quartier", "locked_by"), pk=target_pk, campaign=campaign
    )


@register_officer_required
def target_detail(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    target = _target_or_404(campaign, target_pk)
    step = target.escalation_steps.filter(done_at__isnull=True).first()
    form = EscalationForm(_posted(request), kind=step.kind if step else "")
    if request.method == "POST":
        if step is None:
            messages.info(request, "Aucune étape d'escalade en cours pour cette personne.")
            return redirect("campaigns:target_detail", campaign.pk, target.pk)
        if form.is_valid():
            try:
                next_step = services.escalation_record(
                    step=step,
                    by=request.user,
                    result=form.cleaned_data["result"],
                    notes=form.cleaned_data["notes"],
                    assigned_volunteer=form.volunteer,
                    assigned_agent=form.agent,
                    request=request,
                )
            except services.CampaignError as exc:
                form.add_error(None, str(exc))
            else:
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
    record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=target.entry,
        fields=fields,
        detail=f"Suivi d'une personne, campagne {campaign.pk}",
        request=request,
    )
    return render(
        request,
        "campaigns/target_detail.html",
        {
            "campaign": campaign,
            "target": target,
            "entry": target.entry,
            "step": step,
            "form": form,
            "age": target.entry.age_on(timezone.localdate()),
            "attempts": target.attempts.select_related("caller", "help_request").order_by("-ended_at", "-pk"),
            "steps": target.escalation_steps.select_related("done_by", "assigned_volunteer", "assigned_agent"),
            "transitions": target.transitions.select_related("by"),
        },
        status=400 if form.errors else 200,
    )


# Callers (accreditations) ---------------------------------------------------------------------


@register_officer_required
def callers(request: HttpRequest) -> HttpResponse:
    form = AccreditationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.accreditation_grant(
                user=form.user,
                training_on=form.cleaned_data["training_on"],
                undertaking_signed_on=form.cleaned_data["undertaking_signed_on"],
                by=request.user,
                request=request,
            )
        except services.CampaignError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"{form.user} est habilité·e à passer les appels.")
            return redirect("campaigns:callers")
    rows = CallerAccreditation.objects.select_related("user", "granted_by", "revoked_by", "volunteer").order_by(
        "revoked_at", "-granted_at", "-pk"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    record(actor=request.user, action=AuditAction.LIST, target=CallerAccreditation, request=request)
    return render(
        request, "campaigns/callers.html", {"form": form, "page_obj": page}, status=400 if form.errors else 200
    )


@register_officer_required
@require_POST
def caller_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    accreditation = get_object_or_404(CallerAccreditation.objects.select_related("user"), pk=pk)
    try:
        services.accreditation_revoke(accreditation=accreditation, by=request.user, request=request)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Habilitation de {accreditation.user} retirée.")
    return redirect("campaigns:callers")


# Caller screens -------------------------------------------------------------------------------


@accredited_caller_required
@require_GET
def caller_home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    campaigns = (
        Campaign.objects.filter(status=CampaignStatus.ACTIVE)
        .select_related("episode")
        .annotate(
            due=Count(
                "targets", filter=Q(targets__status__in=services.CALLABLE_STATUSES, targets__next_call_at__lte=now)
            )
        )
        .order_by("-created_at", "-pk")
    )
    held = CallTarget.objects.filter(locked_by=request.user, locked_until__gte=now).values_list(
        "campaign_id", flat=True
    )
    record(actor=request.user, action=AuditAction.LIST, target=Campaign, detail="Campagnes à appeler", request=request)
    return render(request, "campaigns/caller_home.html", {"campaigns": campaigns, "held": set(held)})


def _call_context(request: HttpRequest, campaign: Campaign, target: CallTarget | None, form: AttemptForm | None):
    now = timezone.now()
    context = {
        "campaign": campaign,
        "target": target,
        "form": form,
        "unreached_count": selectors.unreached_count(campaign, now),
    }
    if target is not None:
        entry = target.entry
        context.update(
            {
                "person": {
                    "first_names": entry.first_names,
                    "last_name": entry.last_name,
                    "age": entry.age_on(timezone.localdate()),
                    "phone": entry.phone,
                    "quartier": target.quartier.name if target.quartier else "",
                },
                "history": target.attempts.select_related("caller").order_by("-ended_at", "-pk")[:10],
                "sms_reply": (
                    target.attempts.filter(channel="sms").order_by("-ended_at", "-pk").first()
                    if target.callback_requested
                    else None
                ),
            }
        )
        record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=entry,
            fields=CALL_SCREEN_FIELDS,
            detail=f"Écran d'appel, campagne {campaign.pk}",
            request=request,
        )
    return context


def _held(campaign: Campaign, user) -> CallTarget | None:
    target = services.held_target(campaign, user, timezone.now())
    if target is None:
        return None
    return CallTarget.objects.select_related("entry", "quartier").get(pk=target.pk)


@accredited_caller_required
def call(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    target = _held(campaign, request.user)
    questions = list(campaign.questionnaire.questions.all()) if campaign.questionnaire else []
    if request.method == "POST":
        if target is None:
            messages.error(
                request, "Cet appel ne vous est plus attribué : le délai est dépassé. Prenez l'appel suivant."
            )
            return redirect("campaigns:call", campaign.pk)
        form = AttemptForm(request.POST, questions=questions)
        if form.is_valid():
            data = form.cleaned_data
            draft = None
            if data["create_help_request"]:
                draft = services.HelpRequestDraft(
                    category=data["category"],
                    description=data["description"],
                    urgency=data["urgency"] or "normal",
                    link_resident=data["link_resident"],
                    category_other=data["category_other"],
                )
            try:
                attempt = services.record_attempt(
                    target=target,
                    caller=request.user,
                    outcome=data["outcome"],
                    answers=form.answers(),
                    advice=data["advice"],
                    actions=data["actions"],
                    notes=data["notes"],
                    help_request=draft,
                    request=request,
                )
            except services.CampaignError as exc:
                form.add_error(None, str(exc))
            else:
                text = f"Appel enregistré : {attempt.get_outcome_display().lower()}."
                if attempt.help_request_id:
                    text += f" Demande d'aide n° {attempt.help_request_id} transmise aux coordinateur·rices."
                messages.success(request, text)
                return redirect("campaigns:call", campaign.pk)
        return render(request, "campaigns/call.html", _call_context(request, campaign, target, form), status=400)
    form = AttemptForm(questions=questions) if target else None
    return render(request, "campaigns/call.html", _call_context(request, campaign, target, form))


@accredited_caller_required
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    try:
        target = services.take_next_call(campaign, request.user)
    except services.CampaignError as exc:
        messages.error(request, str(exc))
        return redirect("campaigns:caller_home")
    if target is None:
        messages.info(request, "Personne à appeler pour le moment : revenez un peu plus tard.")
    return redirect("campaigns:call", campaign.pk)


@accredited_caller_required
@require_POST
def call_release(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(pk)
    target = _held(campaign, request.user)
    if target is not None and services.release_call(target=target, caller=request.user):
        messages.info(request, "La personne est rendue à la file d'appels.")
    return redirect("campaigns:caller_home")


# SMS replies (provider webhook) ---------------------------------------------------------------

SENDER_KEYS = ("from", "sender", "msisdn", "phone_number", "phoneNumber", "phone", "to")
TEXT_KEYS = ("reply", "text", "message", "body", "content", "Body")
IGNORED_EVENTS_KEYS = ("msg_status", "event", "status")


def _token_ok(request: HttpRequest, token: str | None) -> bool:
    expected = getattr(settings, "VS_SMS_INBOUND_TOKEN", "")
    if not expected:
        return False
    given = token or request.headers.get("X-VS-Token", "")
    if not given:
        auth = request.headers.get("Authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _inbound_messages(request: HttpRequest) -> list[tuple[str, str]]:
    """(sender, text) pairs from Brevo's JSON (one event or a list) or a simple form post."""
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return []
        items = payload if isinstance(payload, list) else [payload]
    else:
        items = [request.POST.dict()]
    result = []
    for item in items[:100]:
        if not isinstance(item, dict):
            continue
        event = str(item.get("msg_status") or item.get("event") or "").lower()
        if event and event not in ("replied", "reply", "inbound", "received", "mo"):
            continue  # delivery reports and other events
        sender = next((str(item[k]) for k in SENDER_KEYS if item.get(k)), "")
        text = next((str(item[k]) for k in TEXT_KEYS if item.get(k) is not None), "")
        if sender:
            result.append((sender[:40], text[:500]))
    return result


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """Provider webhook. Answers the same empty 200 whatever was received, once authenticated."""
    if not _token_ok(request, token):
        raise Http404
    for sender, text in _inbound_messages(request):
        try:
            services.sms_inbound_record(sender=sender, text=text)
        except Exception:  # a bad message must not stop the others nor leak anything
            logger.exception("SMS reply could not be recorded")
    return HttpResponse("", content_type="text/plain")
