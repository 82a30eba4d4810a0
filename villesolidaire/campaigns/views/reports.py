"""Following a campaign (register officers): live dashboard, people not reached, daily report."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import register_officer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import selectors
from villesolidaire.campaigns.models import CallTarget, Campaign
from villesolidaire.campaigns.views.helpers import campaign_or_404
from villesolidaire.core.exports import Table, download
from villesolidaire.core.htmx import is_partial_request, render_partial_or_page
from villesolidaire.core.pagination import paginate
from villesolidaire.territory.models import Town


def _dashboard_context(campaign: Campaign) -> dict:
    now = timezone.now()
    return {
        "campaign": campaign,
        "cards": selectors.count_cards(selectors.campaign_counts(campaign, now)),
        "by_quartier": selectors.by_quartier(campaign, now),
        "by_caller": selectors.by_caller(campaign),
        "unreached_count": selectors.unreached_count(campaign, now),
        "refreshed_at": now,
    }


@register_officer_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    context = _dashboard_context(campaign)
    fragment = is_partial_request(request)
    record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=campaign,
        fields=["dashboard"],
        detail="Tableau de bord (actualisation)" if fragment else "Tableau de bord",
        request=request,
    )
    return render_partial_or_page(request, "campaigns/_dashboard_figures.html", "campaigns/dashboard.html", context)


@register_officer_required
@require_GET
def unreached(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(pk)
    now = timezone.now()
    rows = selectors.unreached_targets(campaign, now)
    page = paginate(request, rows)
    record(
        actor=request.user,
        action=AuditAction.LIST,
        target=CallTarget,
        fields=["last_name", "first_names"],
        detail=f"Non joints, campagne {campaign.pk}, page {page.number}",
        request=request,
    )
    return render(
        request,
        "campaigns/unreached.html",
        {"campaign": campaign, "page_obj": page, "now": now, "overdue_before": now - selectors.OVERDUE_GRACE},
    )


@register_officer_required
@require_GET
def daily_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    campaign = campaign_or_404(pk)
    rows = selectors.daily_report(campaign)
    title = f"Rapport quotidien — {campaign.title} — {campaign.episode}"
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=campaign,
        fields=selectors.REPORT_HEADERS,
        detail=f"Rapport quotidien {fmt} (agrégats, sans nom)",
        request=request,
    )
    table = Table("Rapport quotidien", selectors.REPORT_HEADERS, rows)
    name = f"rapport-quotidien-campagne-{campaign.pk}-{timezone.localdate():%Y%m%d}"
    return download(fmt, [table], name, heading=title, town=Town.current_name())
