"""The auditor's screen: read the log, filter it, export it. Reading the log is itself logged."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import auditor_required
from villesolidaire.audit.filters import AuditFilter
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.audit.services import record
from villesolidaire.core.exports import Table, download, iso_instant
from villesolidaire.core.pagination import paginate

PAGE_SIZE = 100  # the journal keeps its own page size


@auditor_required
@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(request.GET or None, queryset=AuditEntry.objects.all())
    # Invalid criteria are reported on the form and the whole log is shown.
    rows = filterset.qs if filterset.is_valid() else filterset.queryset
    if request.GET.get("format") == "csv" and (not filterset.is_bound or filterset.is_valid()):
        record(
            actor=request.user,
            action=AuditAction.EXPORT,
            target=AuditEntry,
            detail="export CSV du journal",
            request=request,
        )
        return _csv(rows)
    page = paginate(request, rows, PAGE_SIZE)
    record(
        actor=request.user, action=AuditAction.LIST, target=AuditEntry, detail=f"page {page.number}", request=request
    )
    return render(
        request, "audit/journal.html", {"form": filterset.form, "page_obj": page, "entries": page.object_list}
    )


EXPORT_HEADERS = ["date", "auteur", "action", "type", "identifiant", "champs", "détail", "adresse IP"]


def _csv(rows) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download("csv", [Table("Journal d'accès", EXPORT_HEADERS, _export_rows(rows))], f"journal-acces-{stamp}")


def _export_rows(rows):
    for entry in rows.iterator(chunk_size=2000):
        yield [
            iso_instant(entry.at),  # an audit trail names one instant, whatever the clock change
            entry.actor_label,
            entry.get_action_display(),
            entry.object_type,
            entry.object_id,
            ",".join(entry.fields),
            entry.detail,
            entry.ip_address or "",
        ]
