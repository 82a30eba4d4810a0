"""The caller screens: campaigns to call, the call in progress, next person, give back."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import selectors
from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.forms import AttemptForm, CallSheetForm, EmergencyContactCallForm
from villesolidaire.campaigns.models import CallSheet, CallTarget, Campaign
from villesolidaire.campaigns.selectors import CALL_SCREEN_FIELDS
from villesolidaire.campaigns.services import CampaignError, call_queue, calls
from villesolidaire.campaigns.views.helpers import accredited_caller_required, campaign_or_404
from villesolidaire.core.service_errors import form_service_errors, service_errors

LEASE_LOST = "Cet appel ne vous est plus attribué : le délai est dépassé. Prenez l'appel suivant."


@accredited_caller_required
@require_GET
def caller_home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    campaigns = (
        Campaign.objects.filter(status=CampaignStatus.ACTIVE)
        .select_related("episode")
        .annotate(
            due=Count(
                "targets", filter=Q(targets__status__in=call_queue.CALLABLE_STATUSES, targets__next_call_at__lte=now)
            )
        )
        .order_by("-created_at", "-pk")
    )
    held = CallTarget.objects.filter(locked_by=request.user, locked_until__gte=now).values_list(
        "campaign_id", flat=True
    )
    sheets = (
        CallSheet.objects.filter(caller=request.user, returned_at__isnull=True)
        .select_related("campaign")
        .annotate(held_count=Count("lines", filter=Q(lines__attempt__isnull=True)))
        .order_by("-created_at", "-pk")
    )
    record(actor=request.user, action=AuditAction.LIST, target=Campaign, detail="Campagnes à appeler", request=request)
    context = {"campaigns": campaigns, "held": set(held), "sheets": sheets, "sheet_form": CallSheetForm()}
    return render(request, "campaigns/caller_home.html", context)


def _call_context(
    request: HttpRequest,
    campaign: Campaign,
    target: CallTarget | None,
    form: AttemptForm | None,
    emergency_form: EmergencyContactCallForm | None = None,
):
    now = timezone.now()
    context = {
        "campaign": campaign,
        "target": target,
        "form": form,
        "unreached_count": selectors.unreached_count(campaign, now),
    }
    if target is not None:
        entry = target.entry
        previous = selectors.previous_campaign_attempts(entry, campaign)
        context.update(
            {
                "entry": entry,
                "age": entry.age_on(timezone.localdate()),
                "quartier": target.quartier.name if target.quartier else "",
                "history": target.attempts.select_related("caller").order_by("-ended_at", "-pk")[:10],
                "previous": previous,
                "sms_reply": (
                    target.attempts.filter(channel="sms").order_by("-ended_at", "-pk").first()
                    if target.callback_requested
                    else None
                ),
                "emergency_form": emergency_form
                or (EmergencyContactCallForm(prefix="contact") if entry.emergency_contact_phone.strip() else None),
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


def _questions(campaign: Campaign) -> list:
    return list(campaign.questionnaire.questions.all()) if campaign.questionnaire else []


def _held(campaign: Campaign, user) -> CallTarget | None:
    target = call_queue.held_target(campaign, user, timezone.now())
    if target is None:
        return None
    return CallTarget.objects.select_related("entry", "quartier").get(pk=target.pk)


@accredited_caller_required
def call(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    target = _held(campaign, request.user)
    questions = _questions(campaign)
    if request.method == "POST":
        if target is None:
            messages.error(request, LEASE_LOST)
            return redirect("campaigns:call", campaign.pk)
        form = AttemptForm(request.POST, questions=questions)
        if form.is_valid():
            data = form.cleaned_data
            draft = None
            if data["create_help_request"]:
                draft = calls.HelpRequestDraft(
                    category=data["category"],
                    description=data["description"],
                    urgency=data["urgency"] or "normal",
                    link_resident=data["link_resident"],
                    category_other=data["category_other"],
                )
            with form_service_errors(form, CampaignError):
                attempt = calls.record_attempt(
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
                text = f"Appel enregistré : {attempt.get_outcome_display().lower()}."
                if attempt.help_request_id:
                    text += f" Demande d'aide n° {attempt.help_request_id} transmise aux coordinateur·rices."
                messages.success(request, text)
                return _after_call(request, campaign, go_on=data["next_call"])
        return render(request, "campaigns/call.html", _call_context(request, campaign, target, form), status=400)
    # Chaining calls is the default for every call; unticking pauses after this one only.
    form = AttemptForm(questions=questions, initial={"next_call": True})
    return render(request, "campaigns/call.html", _call_context(request, campaign, target, form if target else None))


def _after_call(request: HttpRequest, campaign: Campaign, *, go_on: bool) -> HttpResponse:
    """After a call is saved: the next person opens by itself, unless the caller asked for a pause."""
    if not go_on:
        return redirect("campaigns:call", campaign.pk)
    with service_errors(request, CampaignError) as outcome:
        target = call_queue.take_next_call(campaign, request.user)
    if not outcome.failed and target is None:
        messages.info(request, "Personne d'autre à appeler pour le moment : revenez un peu plus tard.")
    return redirect("campaigns:call", campaign.pk)


@accredited_caller_required
@require_POST
def call_emergency_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """The person did not answer and the caller called the person to notify shown on the screen."""
    campaign = campaign_or_404(pk)
    target = _held(campaign, request.user)
    if target is None:
        messages.error(request, LEASE_LOST)
        return redirect("campaigns:call", campaign.pk)
    form = EmergencyContactCallForm(request.POST, prefix="contact")
    if form.is_valid():
        data = form.cleaned_data
        with form_service_errors(form, CampaignError):
            next_step = calls.record_unreachable_with_emergency_contact(
                target=target,
                caller=request.user,
                outcome=data["outcome"],
                result=data["result"],
                notes=data["notes"],
                request=request,
            )
            text = "Appels enregistrés : la personne est en escalade."
            if next_step is not None:
                text += f" Étape suivante pour l'agent·e du registre : {next_step.get_kind_display().lower()}."
            messages.success(request, text)
            return _after_call(request, campaign, go_on=True)
    context = _call_context(request, campaign, target, AttemptForm(questions=_questions(campaign)), form)
    return render(request, "campaigns/call.html", context, status=400)


@accredited_caller_required
@require_POST
def call_next(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    with service_errors(request, CampaignError) as outcome:
        target = call_queue.take_next_call(campaign, request.user)
    if outcome.failed:
        return redirect("campaigns:caller_home")
    if target is None:
        messages.info(request, "Personne à appeler pour le moment : revenez un peu plus tard.")
    return redirect("campaigns:call", campaign.pk)


@accredited_caller_required
@require_POST
def call_release(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    target = _held(campaign, request.user)
    if target is not None and call_queue.release_call(target=target, caller=request.user):
        messages.info(request, "La personne est rendue à la file d'appels.")
    return redirect("campaigns:caller_home")
