from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import coordinator_required
from villesolidaire.reporting import exports
from villesolidaire.reporting.charts import bar_chart
from villesolidaire.reporting.forms import PeriodForm
from villesolidaire.reporting.selectors import FIGURE_LABELS, FIGURES, dashboard

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    if fmt == "xlsx":
        response = HttpResponse(exports.as_xlsx(board), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(exports.as_csv(board), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tableau-de-bord-{stamp}.{fmt}"'
    return response
