import re

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.perms import coordinator_required, figures_reader_required, is_coordinator, role_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.core.exports import download
from villesolidaire.core.pdf import pdf_response
from villesolidaire.crises.models import Episode
from villesolidaire.reporting import episode_documents, exports, public, snapshots
from villesolidaire.reporting import episode_report as ep
from villesolidaire.reporting.bilan import build_bilan
from villesolidaire.reporting.charts import bar_chart
from villesolidaire.reporting.documents import bilan_pdf
from villesolidaire.reporting.forms import BilanForm, IntroductionForm
from villesolidaire.reporting.models import BilanIntroduction
from villesolidaire.territory.models import Town

# The keys under which introductions are kept (see bilan.ChosenPeriod): nothing else is stored.
PERIOD_KEY = re.compile(r"(annee-\d{4}|mois-\d{4}-\d{2}|episode-\d{1,9}|appel-\d{1,9}|tout|dates-[\d-]{0,21})")


@figures_reader_required
@require_GET
def bilan_view(request: HttpRequest) -> HttpResponse:
    form = BilanForm(request.GET)
    if form.is_refused():
        # The form and its French messages only: no other period's figures, no downloads.
        return render(request, "reporting/bilan.html", {"form": form, "refused": True})
    chosen, compare = form.chosen(), form.wants_comparison()
    period = chosen.period
    can_edit = is_coordinator(request.user)
    introduction = BilanIntroduction.objects.filter(period_key=chosen.key).first()
    return render(
        request,
        "reporting/bilan.html",
        {
            "form": form,
            "chosen": chosen,
            "previous_period": period.year_earlier(form.today) if compare and period.start else None,
            "introduction": introduction,
            "rendered": snapshots.figures(chosen, compare=compare, figure=form.chosen_figure(), today=form.today),
            "query": request.GET.urlencode(),
            "can_edit_introduction": can_edit,
            "introduction_form": IntroductionForm(instance=introduction) if can_edit else None,
        },
    )


@figures_reader_required
@require_http_methods(["GET", "POST"])
def refresh(request: HttpRequest) -> HttpResponse:
    """« Recalculer maintenant »: the default bilan computed again, without waiting for the job.

    A GET computes nothing and leads to the bilan: after signing in again, the login's `next`
    brings the browser here by GET."""
    if request.method == "GET":
        return redirect("reporting:dashboard")
    snapshots.refresh()
    messages.success(request, "Bilan recalculé avec les données enregistrées à l'instant.")
    return redirect("reporting:dashboard")


@figures_reader_required
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
    if not PERIOD_KEY.fullmatch(key) or not BilanForm().knows(key):
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


def _refused_period(form: BilanForm) -> HttpResponse | None:
    """A download of a period the form refuses: a 400 in French, never another period's figures."""
    if form.is_refused():
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(f"Période invalide : {errors}", status=400, content_type="text/plain; charset=utf-8")
    return None


@figures_reader_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    form = BilanForm(request.GET)
    if refused := _refused_period(form):
        return refused
    bilan = build_bilan(form.chosen(), compare=form.wants_comparison())
    return download(
        fmt,
        exports.tables(bilan),
        f"{bilan.chosen.file_stem}-{timezone.localdate().isoformat()}",
        heading=exports.heading(bilan),
        town=Town.current_name(),
    )


@figures_reader_required
@require_GET
def pdf(request: HttpRequest) -> HttpResponse:
    form = BilanForm(request.GET)
    if refused := _refused_period(form):
        return refused
    bilan = build_bilan(form.chosen(), compare=form.wants_comparison())
    return pdf_response(
        bilan_pdf(bilan, town=Town.current()), f"{bilan.chosen.file_stem}-{timezone.localdate().isoformat()}.pdf"
    )


# The episode report (issue 12): counts only, no name: the figure readers (coordinators, administrators,
# officials) and the register officers who ran the campaigns.
episode_report_required = role_required(Role.COORDINATOR, Role.OFFICIAL, Role.REGISTER_OFFICER)


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
