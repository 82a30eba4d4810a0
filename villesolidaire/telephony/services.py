"""A telephony's reports become calls on the operators' screens; a missed call becomes a call to
give back in « À rappeler »."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from villesolidaire.notifications.services import call_task_create
from villesolidaire.residents.models import Resident
from villesolidaire.residents.services import resident_create
from villesolidaire.telephony.models import CALL_WORKFLOW, Call, CallState
from villesolidaire.telephony.providers import CallReport


def call_report(*, provider: str, report: CallReport, now: datetime | None = None) -> Call:
    """Record one event of a call: the first creates it (and finds the caller's file), the next
    ones move it along CALL_WORKFLOW; an event arriving late (ringing after answered) changes
    nothing. Idempotent: the same report twice gives the same call."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _report_locked(provider, report, now)
    except IntegrityError:
        # The first two events of one call arrived at once: the other one created it, apply ours to it.
        with transaction.atomic():
            return _report_locked(provider, report, now)


def _report_locked(provider: str, report: CallReport, now: datetime) -> Call:
    call = Call.objects.select_for_update().filter(provider=provider, call_id=report.call_id).first()
    if call is None:
        call = Call.objects.create(
            provider=provider,
            call_id=report.call_id,
            caller=report.caller,
            called=report.called,
            extension=report.extension,
            resident=_caller_file(report.caller),
            started_at=now,
            updated_at=now,
        )
        CALL_WORKFLOW.log_creation(call, by=None, at=now)
    if report.extension and report.extension != call.extension:
        call.extension = report.extension
        call.save(update_fields=["extension"])
    if report.state != call.state and CALL_WORKFLOW.can(call.state, report.state):
        CALL_WORKFLOW.apply(call, report.state, by=None, at=now, lock=False, updated_at=now)
        if call.state == CallState.MISSED:
            _call_back(call, now)
    return call


def _caller_file(number: str) -> Resident | None:
    if not number:
        return None
    return Resident.objects.active().matching_phone(number).order_by("pk").first()


def _call_back(call: Call, now: datetime) -> None:
    """A missed call with a number: a call to give back, on the caller's file (a file holding only
    the number when the caller is unknown, as an operator would open one)."""
    if not call.caller or call.call_task_id:
        return
    resident = call.resident or resident_create(data={"any_phone": PhoneNumber.from_string(call.caller)}, by=None)
    when = timezone.localtime(now).strftime("%d/%m/%Y à %H:%M")
    task = call_task_create(resident=resident, reason=f"Appel manqué au numéro unique le {when}", kind="missed_call")
    call.resident, call.call_task = resident, task
    call.save(update_fields=["resident", "call_task"])
