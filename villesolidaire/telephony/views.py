"""The incoming call on the operator's intake screen, polled twice a second (htmx)."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villesolidaire.accounts.perms import operator_required, quartier_aware
from villesolidaire.residents.models import Resident
from villesolidaire.telephony.models import Call

# A call left « ringing » by a telephony that never said more is not shown for ever.
SHOWN_FOR = datetime.timedelta(minutes=10)
MAX_SHOWN = 3


@operator_required
@quartier_aware
@require_GET
def incoming(request: HttpRequest) -> HttpResponse:
    calls = list(Call.objects.live_for(request.user, since=timezone.now() - SHOWN_FOR)[:MAX_SHOWN])
    # The caller's file only if this operator may open it (an operator limited to some quartiers).
    ids = [call.resident_id for call in calls if call.resident_id]
    residents = {resident.pk: resident for resident in Resident.objects.visible_to(request.user).filter(pk__in=ids)}
    shown = "-".join(
        f"{call.pk}:{call.state}:{call.resident_id if call.resident_id in residents else ''}" for call in calls
    )
    if request.GET.get("shown", None) == shown:
        return HttpResponse(status=204)  # nothing new: htmx keeps what is on screen (no re-announcement)
    rows = [(call, residents.get(call.resident_id)) for call in calls]
    return render(request, "telephony/_incoming.html", {"rows": rows, "shown": shown})
