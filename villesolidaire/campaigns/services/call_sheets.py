"""Paper call sheets: the next people of the queue leased to one caller for some hours, printed,
called without the network, and their results entered back afterwards."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import CampaignStatus, Outcome
from villesolidaire.campaigns.models import CallSheet, CallSheetLine, CallTarget, Campaign
from villesolidaire.campaigns.selectors import CALL_SCREEN_FIELDS
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.accreditations import ensure_may_call
from villesolidaire.campaigns.services.call_queue import CALLABLE_STATUSES, due_targets, lease_free
from villesolidaire.campaigns.services.calls import record_attempt

MAX_SHEET_SIZE = 40
MAX_HOLD_HOURS = 12


@transaction.atomic
def call_sheet_create(
    *, campaign: Campaign, caller: User, size: int, hours: int, now: datetime | None = None, request=None
) -> CallSheet:
    """Lease the next `size` people of the queue to this caller for `hours`, on a new sheet.

    Nobody else is given them meanwhile (the same lease as the call screen, longer); people
    nobody called go back to the queue when the sheet is closed or its hours are over.
    """
    now = now or timezone.now()
    ensure_may_call(caller)
    if not 1 <= size <= MAX_SHEET_SIZE:
        raise CampaignError(f"Une feuille compte de 1 à {MAX_SHEET_SIZE} personnes.")
    if not 1 <= hours <= MAX_HOLD_HOURS:
        raise CampaignError(f"Les personnes peuvent être réservées de 1 à {MAX_HOLD_HOURS} heures.")
    campaign = Campaign.objects.only("pk", "status").get(pk=campaign.pk)
    if campaign.status != CampaignStatus.ACTIVE:
        raise CampaignError("Cette campagne n'est pas en cours : aucune feuille d'appels à préparer.")
    sheet = CallSheet.objects.create(
        campaign=campaign, caller=caller, created_at=now, held_until=now + timedelta(hours=hours)
    )
    # The person this caller holds on the call screen goes on the sheet first.
    own = CallTarget.objects.filter(
        campaign=campaign, locked_by=caller, locked_until__gte=now, sheet__isnull=True, status__in=CALLABLE_STATUSES
    ).update(locked_until=sheet.held_until, sheet=sheet)
    # Rows another caller is claiming right now are skipped (PostgreSQL); the conditional update
    # below is what decides, on every database: a row leased meanwhile is not taken.
    candidates = list(
        due_targets(campaign, now).select_for_update(skip_locked=True).values_list("pk", flat=True)[: size - own]
    )
    CallTarget.objects.filter(pk__in=candidates).filter(lease_free(now)).update(
        locked_by=caller, locked_at=now, locked_until=sheet.held_until, sheet=sheet
    )
    held = list(
        CallTarget.objects.filter(sheet=sheet)
        .select_related("entry")
        .order_by("priority", "next_call_at", "rank", "pk")
    )
    if not held:
        raise CampaignError("Personne à appeler pour le moment : aucune feuille n'a été préparée.")
    CallSheetLine.objects.bulk_create(
        [CallSheetLine(sheet=sheet, target=target, position=n) for n, target in enumerate(held, start=1)]
    )
    record_sheet_read(sheet=sheet, caller=caller, entries=[t.entry for t in held], what="préparée", request=request)
    return sheet


def record_sheet_read(*, sheet: CallSheet, caller: User, entries, what: str, request=None) -> None:
    """A sheet puts register data on paper: one audit row per person, as the call screen does."""
    for entry in entries:
        if entry is not None:
            record(
                actor=caller,
                action=AuditAction.PRINT,
                target=entry,
                fields=CALL_SCREEN_FIELDS,
                detail=f"Feuille d'appels n° {sheet.pk} {what}, campagne {sheet.campaign_id}",
                request=request,
            )


@dataclass(frozen=True)
class SheetResult:
    """One line of the paper sheet, as the caller wrote it."""

    line_id: int
    outcome: str
    called_at: datetime
    notes: str = ""


@transaction.atomic
def call_sheet_enter_results(
    *,
    sheet: CallSheet,
    caller: User,
    results: Sequence[SheetResult],
    close: bool,
    now: datetime | None = None,
    request=None,
) -> int:
    """Record the calls written on the sheet, in the order they were made; all or nothing.

    A line whose lease ran out is still entered when nobody else took the person meanwhile.
    `close` gives the people not called back to the queue and closes the sheet.
    """
    now = now or timezone.now()
    ensure_may_call(caller)
    sheet = CallSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.caller_id != caller.pk:
        raise CampaignError("Cette feuille d'appels n'est pas la vôtre.")
    if not sheet.is_open:
        raise CampaignError("Cette feuille d'appels est déjà close : ses résultats sont enregistrés.")
    lines = {line.pk: line for line in sheet.lines.all()}
    for result in sorted(results, key=lambda r: r.called_at):
        line = lines.get(result.line_id)
        if line is None:
            raise CampaignError("Cette ligne n'est pas sur la feuille.")
        _check_result(sheet, line, result, now)
        target = _retake(sheet, line, caller, now)
        line.attempt = record_attempt(
            target=target,
            caller=caller,
            outcome=result.outcome,
            notes=result.notes,
            now=result.called_at,
            request=request,
        )
        line.save(update_fields=["attempt"])
    if close:
        CallTarget.objects.filter(sheet=sheet, locked_by=caller).update(
            locked_by=None, locked_at=None, locked_until=None, sheet=None
        )
        sheet.returned_at = now
        sheet.save(update_fields=["returned_at"])
    return len(results)


def _check_result(sheet: CallSheet, line: CallSheetLine, result: SheetResult, now: datetime) -> None:
    if line.attempt_id:
        raise CampaignError(f"Ligne {line.position} : cet appel est déjà saisi.")
    if result.outcome not in Outcome.values or result.outcome == Outcome.SMS_OTHER_REPLY:
        raise CampaignError(f"Ligne {line.position} : choisissez le résultat de l'appel.")
    if not sheet.created_at - timedelta(minutes=1) <= result.called_at <= now + timedelta(minutes=1):
        raise CampaignError(
            f"Ligne {line.position} : l'heure de l'appel doit se situer entre la préparation de la feuille "
            "et maintenant."
        )


def _retake(sheet: CallSheet, line: CallSheetLine, caller: User, now: datetime) -> CallTarget:
    target = CallTarget.objects.select_for_update().get(pk=line.target_id)
    if target.locked_by_id == caller.pk and target.sheet_id == sheet.pk:
        return target
    if target.status not in CALLABLE_STATUSES:
        raise CampaignError(
            f"Ligne {line.position} : la personne n'est plus à appeler ({target.get_status_display().lower()})."
        )
    if target.locked_by_id not in (None, caller.pk) and target.locked_until and target.locked_until >= now:
        raise CampaignError(
            f"Ligne {line.position} : la feuille a expiré et un·e autre appelant·e a repris cette personne ; "
            "transmettez ce résultat à l'agent·e du registre."
        )
    target.locked_by, target.locked_at, target.sheet = caller, sheet.created_at, sheet
    target.save(update_fields=["locked_by", "locked_at", "sheet"])
    return target
