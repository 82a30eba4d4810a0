"""The auditor's screen: read the log, filter it, export it. Reading the log is itself logged."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import auditor_required
from villesolidaire.audit.filters import AuditFilter
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.audit.services import record
from villesolidaire.core.pagination import paginate


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
    page = paginate(request, rows)
    record(
        actor=request.user, action=AuditAction.LIST, target=AuditEntry, detail=f"page {page.number}", request=request
    )
    return render(
        request, "audit/journal.html", {"form": filterset.form, "page_obj": page, "entries": page.object_list}
    )


def _csv(rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="journal-acces-{stamp}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly with a BOM
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["date", "auteur", "action", "type", "identifiant", "champs", "détail", "adresse IP"])
    for entry in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                timezone.localtime(entry.at).isoformat(timespec="seconds"),
                entry.actor_label,
                entry.get_action_display(),
                entry.object_type,
                entry.object_id,
                ",".join(entry.fields),
                entry.detail,
                entry.ip_address or "",
            ]
        )
    return response
