"""Evaluation pages: the synthesis, the questionnaire waves and the quotes (coordinators), the
desk's entry of a resident's answers (operators), a volunteer's answer page (their own link)."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import coordinator_required, operator_required
from villesolidaire.core import confirmation
from villesolidaire.core.http import by_link_token, form_status, link_expired_page, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.missions.enums import EvaluationAuthor
from villesolidaire.surveys import services
from villesolidaire.surveys.forms import (
    PeriodForm,
    QuoteFilterForm,
    QuoteForm,
    ResidentSurveyForm,
    VolunteerSurveyForm,
    WaveForm,
    last_month,
)
from villesolidaire.surveys.models import Quote, SurveyRecipient, SurveyWave
from villesolidaire.surveys.selectors import evaluation_synthesis, wave_results


@coordinator_required
@require_GET
def synthesis(request: HttpRequest) -> HttpResponse:
    """The evaluation synthesis of a period (last month unless chosen), as the bilan prints it."""
    start, end = last_month()
    form = PeriodForm(request.GET or None, initial={"du": start, "au": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["du"], form.cleaned_data["au"]
    return render(
        request,
        "surveys/synthesis.html",
        {"form": form, "synthesis": evaluation_synthesis(start, end)},
        status=form_status(form),
    )


@coordinator_required
def wave_list(request: HttpRequest) -> HttpResponse:
    """The waves sent, and the form that starts one (confirmed first: it reaches several people)."""
    start, end = last_month()
    form = WaveForm(posted(request), initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        period = {"period_start": form.cleaned_data["period_start"], "period_end": form.cleaned_data["period_end"]}
        token = request.POST.get(confirmation.FIELD, "")
        with form_service_errors(form, services.SurveyError, confirmation.SendNotConfirmed):
            if not token:
                send = services.wave_preview(**period)
                if send.count > 1:
                    context = {
                        "send": send,
                        "hidden": confirmation.posted_again(request),
                        "action_url": request.path,
                        "cancel_url": request.path,
                        **period,
                    }
                    return render(request, "surveys/wave_confirm.html", context)
            wave = services.wave_start(**period, by=request.user, confirmation=token)
            messages.success(request, f"{wave} lancé.")
            return redirect("surveys:wave_detail", wave.pk)
    waves = paginate(
        request,
        SurveyWave.objects.annotate(
            asked=Count("recipients"), answered=Count("recipients", filter=Q(recipients__answered_at__isnull=False))
        ).order_by("-started_at", "-pk"),
    )
    return render(
        request,
        "surveys/wave_list.html",
        {"form": form, "page_obj": waves, "waves": waves.object_list},
        status=400 if form.errors else 200,
    )


@coordinator_required
@require_GET
def wave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wave = get_object_or_404(SurveyWave.objects.select_related("started_by"), pk=pk)
    (result,) = wave_results(SurveyWave.objects.filter(pk=wave.pk))
    return render(request, "surveys/wave_detail.html", {"wave": wave, "result": result, "now": timezone.now()})


@coordinator_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    """Comments given with consent, their anonymised text and whether the bilan quotes them."""
    quotes = Quote.objects.select_related("evaluation", "answer").order_by("-given_at", "-pk")
    filters = QuoteFilterForm(request.GET or None)
    if filters.is_valid():
        state = filters.cleaned_data["etat"]
        if state == "a-relire":
            quotes = quotes.filter(edited_at__isnull=True)
        elif state == "retenues":
            quotes = quotes.filter(selected=True)
    page = paginate(request, quotes)
    return render(
        request,
        "surveys/quote_list.html",
        {"filters": filters, "page_obj": page, "quotes": page.object_list},
        status=form_status(filters),
    )


@coordinator_required
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(Quote.objects.select_related("evaluation", "answer"), pk=pk)
    form = QuoteForm(
        posted(request),
        side=quote.side,
        initial={"text": quote.text or quote.original, "signature": quote.signature, "selected": quote.selected},
    )
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.QuoteError):
            services.quote_save(quote=quote, **form.cleaned_data, by=request.user)
            messages.success(request, "Citation enregistrée." + (" Elle figurera au bilan." if quote.selected else ""))
            return redirect("surveys:quote_list")
    return render(request, "surveys/quote_edit.html", {"quote": quote, "form": form}, status=form_status(form))


@operator_required
def call_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator calls the resident and types their answers (pk: the call task's)."""
    recipient = get_object_or_404(
        SurveyRecipient.objects.select_related("wave", "resident", "call_task"),
        call_task_id=pk,
        side=EvaluationAuthor.RESIDENT,
    )
    form = ResidentSurveyForm(posted(request))
    if request.method == "POST" and recipient.answered_at is None and form.is_valid():
        with form_service_errors(form, services.SurveyError):
            services.answer_record(recipient=recipient, **form.answers(), by=request.user)
            messages.success(request, f"Réponses de {recipient.resident} enregistrées ; l'appel est noté comme fait.")
            return redirect("notifications:call_tasks")
    return render(
        request,
        "surveys/call_answer.html",
        {"recipient": recipient, "form": form, "closed": recipient.link_expired()},
        status=form_status(form),
    )


def answer(request: HttpRequest, token: str) -> HttpResponse:
    """A volunteer's questionnaire, from the link of the wave's SMS: once, until the wave closes."""
    recipient = by_link_token(
        SurveyRecipient.objects.select_related("wave").filter(side=EvaluationAuthor.VOLUNTEER), token
    )
    if recipient.answered_at is not None or recipient.link_expired():
        return link_expired_page(request)
    form = VolunteerSurveyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        with service_errors(request, services.SurveyError) as outcome:
            services.answer_record(recipient=recipient, **form.answers())
        if outcome.failed:
            return link_expired_page(request)
        return redirect("surveys:answer_thanks")
    return render(request, "surveys/answer.html", {"form": form, "wave": recipient.wave}, status=form_status(form))


@require_GET
def answer_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/answer_thanks.html")
