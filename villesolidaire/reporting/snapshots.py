"""The bilan's figures, rendered, and the default bilan kept so (issue 14, decision 0019).

The page a figures reader opens first, this year compared with the last for the whole service,
reads every volunteer's and request's history: about 0.4 s at 100,000 of each. It is computed
every 5 minutes by `manage.py refresh_bilan` (and on demand by « Recalculer maintenant », or at a
view that finds no fresh copy), and the page shows the rendered figures with the time they were
computed. Every other choice (another period, a commune, another chart figure, no comparison) is
computed at each view, as are the PDF and the tables, which say when they were generated.
"""

import datetime
import time
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from villesolidaire.reporting import activity, exports
from villesolidaire.reporting.bilan import Bilan, ChosenPeriod, build_bilan, year_period
from villesolidaire.reporting.charts import bar_chart, line_chart
from villesolidaire.reporting.models import BilanSnapshot
from villesolidaire.reporting.selectors import FIGURE_LABELS, FIGURES, MISSIONS_DONE

# The job runs every 5 minutes: a copy older than this means it stopped, and the view computes.
MAX_AGE = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class Figures:
    """The figures part of the bilan page; `computed_at` is set when it is a kept copy."""

    html: SafeString
    computed_at: datetime.datetime | None = None


def is_default(chosen: ChosenPeriod, *, compare: bool, figure: str, today: datetime.date) -> bool:
    """The choice the page opens with: the current year, compared, the whole service, missions."""
    return (
        chosen.key == year_period(today.year).key
        and chosen.period.quartiers is None
        and compare
        and figure == MISSIONS_DONE
    )


def render_figures(bilan: Bilan, figure: str) -> SafeString:
    """Every figure of the bilan as HTML: nothing in it depends on who reads it."""
    label = FIGURE_LABELS[figure]
    sections = [
        (code, title, rows, bar_chart(f"graphique-{code}", f"{label} par {title.lower()}", rows, figure))
        for code, title, rows in bilan.board.breakdowns
    ]
    context = {
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
            axis_labels=bilan.monthly.axis_labels,
        ),
        "weekly_chart": line_chart(
            "evolution-semaine",
            f"Évolution par semaine, {bilan.period.label}",
            bilan.weekly.labels,
            bilan.weekly.lines(),
            axis_labels=bilan.weekly.axis_labels,
        ),
    }
    return render_to_string("reporting/_bilan_figures.html", context)


def _key(today: datetime.date) -> str:
    return f"{year_period(today.year).key}:{today.isoformat()}"


def refresh(today: datetime.date | None = None) -> BilanSnapshot:
    """Computes the default bilan and keeps it (the job and « Recalculer maintenant »); the copies
    of earlier days are dropped."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    html = render_figures(build_bilan(year_period(today.year), compare=True, today=today), MISSIONS_DONE)
    key = _key(today)
    snapshot, _created = BilanSnapshot.objects.update_or_create(
        key=key,
        defaults={"computed_at": timezone.now(), "seconds": time.perf_counter() - started, "html": html},
    )
    BilanSnapshot.objects.exclude(key=key).delete()
    return snapshot


def figures(chosen: ChosenPeriod, *, compare: bool, figure: str, today: datetime.date) -> Figures:
    """The figures of a choice: the kept copy for the default when it is fresh (computed and kept
    when it is not), computed now for any other choice."""
    if not is_default(chosen, compare=compare, figure=figure, today=today):
        return Figures(render_figures(build_bilan(chosen, compare=compare, today=today), figure))
    snapshot = BilanSnapshot.objects.filter(key=_key(today), computed_at__gte=timezone.now() - MAX_AGE).first()
    snapshot = snapshot or refresh(today)
    # Rendered by render_figures, with the template's escaping: safe to show as it is.
    return Figures(mark_safe(snapshot.html), snapshot.computed_at)  # noqa: S308
