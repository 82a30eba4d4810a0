from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_safe

from villesolidaire.accounts.perms import figures_reader_required
from villesolidaire.core.exports import download
from villesolidaire.reporting import exports, public
from villesolidaire.reporting.charts import bar_chart
from villesolidaire.reporting.forms import PeriodForm
from villesolidaire.reporting.selectors import FIGURE_LABELS, FIGURES, dashboard
from villesolidaire.territory.models import Town


@figures_reader_required
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


@figures_reader_required
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


PUBLIC_FIGURES_SECONDS = 600


@require_safe
@cache_control(public=True, max_age=PUBLIC_FIGURES_SECONDS)
def public_figures(request: HttpRequest) -> HttpResponse:
    """/chiffres/: the town's solidarity figures, when the town publishes them (404 otherwise).

    The same page for everyone, so that a proxy may keep it: rendered without the request (no
    session, no CSRF token, no personal navigation: the header of an anonymous visitor), and its
    figures kept ten minutes in the cache.
    """
    town = Town.current()
    if town is None or not town.publish_figures:
        raise Http404
    today = timezone.localdate()
    threshold = settings.VS_PUBLIC_MIN_CELL
    years = cache.get_or_set(
        f"reporting:public-figures:{today.isoformat()}:{threshold}",
        lambda: public.public_figures(today, threshold),
        PUBLIC_FIGURES_SECONDS,
    )
    context = {"town": town, "years": years, "figures": public.PUBLIC_FIGURES, "threshold": threshold}
    return HttpResponse(render_to_string("reporting/public_figures.html", context))
