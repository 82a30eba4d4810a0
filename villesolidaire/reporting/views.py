from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import coordinator_required
from villesolidaire.core.exports import download
from villesolidaire.reporting import exports
from villesolidaire.reporting.charts import bar_chart
from villesolidaire.reporting.forms import PeriodForm
from villesolidaire.reporting.selectors import FIGURE_LABELS, FIGURES, dashboard
from villesolidaire.territory.models import Town


@coordinator_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    board = dashboard(form.chosen_period())
    figure = form.chosen_figure()
    # Each breakdown: its table rows and a chart of the chosen figure.
    sections = [
        (
            code,
            label,
            rows,
            bar_chart(f"graphique-{code}", f"{FIGURE_LABELS[figure]} par {label.lower()}", rows, figure),
        )
        for code, label, rows in board.breakdowns
    ]
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "board": board,
            "sections": sections,
            "figures": FIGURES,
            "export_query": request.GET.urlencode(),
        },
    )


@coordinator_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    board = dashboard(PeriodForm(request.GET or None).chosen_period())
    stamp = timezone.localdate().isoformat()
    return download(
        fmt,
        exports.tables(board),
        f"tableau-de-bord-{stamp}",
        heading=exports.heading(board),
        town=Town.current_name(),
    )
