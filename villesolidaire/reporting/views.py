import re

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.perms import coordinator_required, is_coordinator
from villesolidaire.core.exports import download
from villesolidaire.core.pdf import pdf_response
from villesolidaire.reporting import activity, exports
from villesolidaire.reporting.bilan import Bilan, build_bilan
from villesolidaire.reporting.charts import bar_chart, line_chart
from villesolidaire.reporting.documents import bilan_pdf
from villesolidaire.reporting.forms import BilanForm, IntroductionForm
from villesolidaire.reporting.models import BilanIntroduction
from villesolidaire.reporting.selectors import FIGURE_LABELS, FIGURES
from villesolidaire.territory.models import Town

# The keys under which introductions are kept (see bilan.ChosenPeriod): nothing else is stored.
PERIOD_KEY = re.compile(r"(annee-\d{4}|mois-\d{4}-\d{2}|episode-\d{1,9}|appel-\d{1,9}|tout|dates-[\d-]{0,21})")


def _bilan_from(request: HttpRequest) -> tuple[BilanForm, Bilan]:
    form = BilanForm(request.GET)
    return form, build_bilan(form.chosen(), compare=form.wants_comparison())


@coordinator_required
@require_GET
def bilan_view(request: HttpRequest) -> HttpResponse:
    form, bilan = _bilan_from(request)
    figure = form.chosen_figure()
    label = FIGURE_LABELS[figure]
    sections = [
        (code, title, rows, bar_chart(f"graphique-{code}", f"{label} par {title.lower()}", rows, figure))
        for code, title, rows in bilan.board.breakdowns
    ]
    can_edit = is_coordinator(request.user)
    return render(
        request,
        "reporting/bilan.html",
        {
            "form": form,
            "bilan": bilan,
            "sections": sections,
            "figures": FIGURES,
            "definitions": exports.definitions_table().rows,
            "notes": activity.DEFINITIONS,
            "monthly_chart": line_chart(
                "evolution-mois",
                f"Évolution par mois, {bilan.period.label}",
                bilan.monthly.labels,
                bilan.monthly.lines(),
            ),
            "weekly_chart": line_chart(
                "evolution-semaine",
                f"Évolution par semaine, {bilan.period.label}",
                bilan.weekly.labels,
                bilan.weekly.lines(),
            ),
            "query": request.GET.urlencode(),
            "can_edit_introduction": can_edit,
            "introduction_form": IntroductionForm(instance=bilan.introduction) if can_edit else None,
        },
    )


@coordinator_required
@require_GET
def old_dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard became the bilan: old bookmarks lead there, with their query (same guard)."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('reporting:dashboard')}?{query}" if query else reverse("reporting:dashboard"))


@coordinator_required
@require_POST
def save_introduction(request: HttpRequest) -> HttpResponse:
    """The CCAS's introduction for one period's bilan (coordinators only)."""
    key = request.POST.get("period_key", "")
    # Back to the same bilan: the query string is re-encoded, so only our own page is reachable.
    back = QueryDict(request.POST.get("query", "")).urlencode()
    target = redirect(f"{reverse('reporting:dashboard')}?{back}" if back else reverse("reporting:dashboard"))
    if not PERIOD_KEY.fullmatch(key):
        messages.error(request, "Période inconnue : l'introduction n'a pas été enregistrée.")
        return target
    instance = BilanIntroduction.objects.filter(period_key=key).first() or BilanIntroduction(period_key=key)
    form = IntroductionForm(request.POST, instance=instance)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return target
    introduction = form.save(commit=False)
    introduction.updated_by, introduction.updated_at = request.user, timezone.now()
    introduction.save()
    messages.success(request, "Introduction du bilan enregistrée.")
    return target


@coordinator_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    _form, bilan = _bilan_from(request)
    return download(
        fmt,
        exports.tables(bilan),
        f"bilan-{bilan.chosen.key}-{timezone.localdate().isoformat()}",
        heading=exports.heading(bilan),
        town=Town.current_name(),
    )


@coordinator_required
@require_GET
def pdf(request: HttpRequest) -> HttpResponse:
    _form, bilan = _bilan_from(request)
    return pdf_response(bilan_pdf(bilan, town=Town.current()), f"bilan-{bilan.chosen.key}.pdf")
