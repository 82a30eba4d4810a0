"""« Veille du jour »: the staff home page, and the counts the navigation shows beside its links."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import is_ready_for_staff_pages, strict_role_required
from villesolidaire.operations import selectors


@strict_role_required(*selectors.WATCH_ROLES)
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    items = selectors.watch_items(request.user, now)
    context = {
        "now": now,
        "progress": selectors.episodes_progress(request.user, now),
        "items": [item for item in items if not item.is_clear],
        "clear_items": [item for item in items if item.is_clear],
    }
    return render(request, "operations/today.html", context)


def nav_counts(request: HttpRequest) -> HttpResponse:
    """Fetched by htmx after each staff page loads (and every minute): the page itself stays at its
    own query count, and a page without JavaScript simply shows no counts. A fragment: anyone else
    gets a 404, not a redirect to the login page."""
    user = request.user
    if not (is_ready_for_staff_pages(user) and selectors.may_watch(user)):
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    total, counts = selectors.nav_counts(user, timezone.now())
    return render(request, "operations/_nav_counts.html", {"counts": counts, "total": total})


@strict_role_required(*selectors.WATCH_ROLES)
@require_GET
def listed(request: HttpRequest, key: str) -> HttpResponse:
    """Every row of one kind of work (the count's link on the operations view)."""
    item = selectors.listed_item(request.user, key, timezone.now())
    if item is None:
        raise Http404
    context = {"item": item, "limit": selectors.ROWS_LISTED}
    return render(request, "operations/listed.html", context)
