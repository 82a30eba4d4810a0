from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import coordinator_required, role_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.models import Episode
from villesolidaire.core.exports import download
from villesolidaire.core.pdf import pdf_response
from villesolidaire.reporting import episode_documents, exports
from villesolidaire.reporting import episode_report as ep
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


# The episode report (issue 12): coordinators, administrators and register officers.
episode_report_required = role_required(Role.COORDINATOR, Role.REGISTER_OFFICER)


def _episode(pk: int) -> Episode:
    return get_object_or_404(Episode, pk=pk)


@episode_report_required
@require_GET
def episode_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = ep.episode_report(_episode(pk))
    return render(
        request,
        "reporting/episode_report.html",
        {
            "report": report,
            "quartier_columns": [(code, ep.FIGURE_LABELS[code]) for code in ep.QUARTIER_FIGURES],
            "day_columns": [(code, ep.FIGURE_LABELS[code]) for code in ep.DAY_FIGURES],
            "day_definitions": [(ep.FIGURE_LABELS[code], ep.DEFINITIONS[code]) for code in ep.DAY_FIGURES[:3]],
            "step_columns": ep.STEP_COLUMNS,
            "notes": ep.BREAKDOWN_NOTES,
            "quartier_chart": bar_chart(
                "graphique-quartiers",
                f"{ep.FIGURE_LABELS[ep.REACHED_48H]} par quartier",
                report.by_quartier,
                ep.REACHED_48H,
            ),
            "day_chart": bar_chart(
                "graphique-jours", f"{ep.FIGURE_LABELS[ep.FIRST_CONTACTS]} par jour", report.by_day, ep.FIRST_CONTACTS
            ),
        },
    )


def _audited_report(request: HttpRequest, pk: int, fmt: str) -> ep.EpisodeReport:
    """The report for a download, written to the access log like the campaigns' daily report."""
    report = ep.episode_report(_episode(pk))
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=report.episode,
        fields=["episode_report"],
        detail=f"Bilan d'épisode {fmt} (agrégats, sans nom)",
        request=request,
    )
    return report


@episode_report_required
@require_GET
def episode_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    report = _audited_report(request, pk, "pdf")
    return pdf_response(episode_documents.pdf(report, Town.current()), f"{episode_documents.file_name(report)}.pdf")


@episode_report_required
@require_GET
def episode_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _audited_report(request, pk, "xlsx")
    return download(
        "xlsx",
        episode_documents.tables(report),
        episode_documents.file_name(report),
        heading=episode_documents.heading(report),
        town=Town.current_name(),
    )
