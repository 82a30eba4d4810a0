"""Paper call sheets: prepare, print (page or A4 PDF), enter the results back."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.campaigns.documents import call_sheet_pdf
from villesolidaire.campaigns.forms import CallSheetForm, SheetResultsForm
from villesolidaire.campaigns.models import CallSheet
from villesolidaire.campaigns.services import CampaignError, call_sheets
from villesolidaire.campaigns.views.helpers import accredited_caller_required, campaign_or_404
from villesolidaire.core.pdf import pdf_response
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.territory.models import Town


def _own_sheet(request: HttpRequest, pk: int) -> CallSheet:
    """A caller sees their own sheets only; anybody else's is a 404."""
    return get_object_or_404(CallSheet.objects.select_related("campaign", "caller").filter(caller=request.user), pk=pk)


def _lines(sheet: CallSheet):
    return list(sheet.lines.select_related("target__entry", "target__quartier", "attempt").order_by("position"))


def _questions(sheet: CallSheet):
    questionnaire = sheet.campaign.questionnaire
    return list(questionnaire.questions.all()) if questionnaire else []


@accredited_caller_required
@require_POST
def call_sheet_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    form = CallSheetForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("campaigns:caller_home")
    with service_errors(request, CampaignError) as outcome:
        sheet = call_sheets.call_sheet_create(
            campaign=campaign,
            caller=request.user,
            size=form.cleaned_data["size"],
            hours=form.cleaned_data["hours"],
            request=request,
        )
    if outcome.failed:
        return redirect("campaigns:caller_home")
    count = sheet.lines.count()
    people = f"{count} personne réservée" if count == 1 else f"{count} personnes réservées"
    messages.success(request, f"Feuille d'appels préparée : {people} pour vous.")
    return redirect("campaigns:call_sheet", sheet.pk)


@accredited_caller_required
@require_GET
def call_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet as a page: printable (print CSS), and the way to the PDF and to the results."""
    sheet = _own_sheet(request, pk)
    lines = _lines(sheet)
    call_sheets.record_sheet_read(
        sheet=sheet,
        caller=request.user,
        entries=[line.target.entry for line in lines],
        what="consultée",
        request=request,
    )
    return render(
        request, "campaigns/call_sheet.html", {"sheet": sheet, "lines": lines, "questions": _questions(sheet)}
    )


@accredited_caller_required
@require_GET
def call_sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    lines = _lines(sheet)
    content = call_sheet_pdf(sheet=sheet, lines=lines, questions=_questions(sheet), town=Town.current())
    call_sheets.record_sheet_read(
        sheet=sheet,
        caller=request.user,
        entries=[line.target.entry for line in lines],
        what="imprimée",
        request=request,
    )
    return pdf_response(content, f"feuille-appels-{sheet.pk}.pdf")


@accredited_caller_required
def call_sheet_results(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _own_sheet(request, pk)
    lines = _lines(sheet)
    if request.method == "POST" and sheet.is_open:
        form = SheetResultsForm(request.POST, sheet=sheet, lines=lines)
        if form.is_valid():
            results = [
                call_sheets.SheetResult(line_id=line.pk, outcome=outcome, called_at=at, notes=notes)
                for line, outcome, at, notes in form.results()
            ]
            with form_service_errors(form, CampaignError):
                count = call_sheets.call_sheet_enter_results(
                    sheet=sheet,
                    caller=request.user,
                    results=results,
                    close=form.cleaned_data["close"],
                    request=request,
                )
                text = f"{count} appel{'s' if count > 1 else ''} enregistré{'s' if count > 1 else ''}."
                if form.cleaned_data["close"]:
                    text += " Feuille close : les personnes non appelées reviennent dans la file."
                messages.success(request, text)
                return redirect("campaigns:caller_home") if form.cleaned_data["close"] else redirect(request.path)
        status = 400
    else:
        form = SheetResultsForm(sheet=sheet, lines=lines) if sheet.is_open else None
        status = 200
    context = {"sheet": sheet, "lines": lines, "form": form}
    return render(request, "campaigns/call_sheet_results.html", context, status=status)
