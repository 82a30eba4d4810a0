"""Writes on the register. Each one runs in a transaction and writes its audit row in it;
state changes go through ENTRY_WORKFLOW.apply and leave a RegisterEntryTransition (who, when)."""

from __future__ import annotations

import csv
import datetime
import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst

from villesolidaire.accounts.models import User
from villesolidaire.audit import services as audit
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.core.crypto import blind_index
from villesolidaire.core.exports import Table
from villesolidaire.core.hooks import Hook
from villesolidaire.core.validation import phone_e164
from villesolidaire.register.models import (
    ENTRY_WORKFLOW,
    PERSONAL_FIELDS,
    R121_4_FIELDS,
    TRANSMITTED_ORIGINS,
    EntryStatus,
    ExportFormat,
    Origin,
    PrefectTransmission,
    RegisterEntry,
    RegisterEntryTransition,
    RegisterExtras,
    RegisterImport,
    RemovalReason,
)
from villesolidaire.residents.models import Resident
from villesolidaire.territory.geocoding import geocode, quartier_for

logger = logging.getLogger(__name__)

entry_erased = Hook(
    "An entry is being removed and erased (R121-11): run(entry=, by=, request=), inside the removal's "
    "transaction, before the entry's own personal fields are emptied (a step may still read them). "
    "Campaigns anonymise the calls linked to the entry."
)

# Fields an officer form may set on an entry (R121-4 + the procedure's origin and notes).
EDITABLE_FIELDS = (*R121_4_FIELDS, "origin", "notes")
EXTRAS_FIELDS = ("consent_on", "lives_alone", "needs_fan", "has_remote_alarm", "door_code", "health_notes", "absences")
ADDRESS_FIELDS = ("address", "address_complement", "postcode", "city")


class RegisterError(Exception):
    """A write the register refuses; the message is French, for the officer."""


class DuplicateEntry(RegisterError):
    def __init__(self, matches: list[RegisterEntry]):
        self.matches = matches
        numbers = ", ".join(f"n° {m.pk}" for m in matches[:5])
        super().__init__(
            f"Cette personne semble déjà inscrite ({numbers}) : "
            "même nom et même date de naissance, ou même téléphone. "
            "Ouvrez l'inscription existante pour la corriger ; s'il s'agit bien d'une autre personne (homonyme, "
            "conjoint·e au même numéro), cochez la case de confirmation."
        )


# Reading --------------------------------------------------------------------------------------


def log_read(*, actor, action: str, target, request: HttpRequest | None = None, fields=(), detail: str = "") -> None:
    """Every read of the register (list, search, detail, document, export) is logged."""
    audit.record(actor=actor, action=action, target=target, fields=fields, detail=detail, request=request)


def find_duplicates(
    *,
    last_name: str,
    first_names: str,
    birth_date: datetime.date | None,
    phone: str = "",
    exclude_pk: int | None = None,
) -> list[RegisterEntry]:
    """Current entries with the same full name and birth date (or birth year), or the same phone."""
    condition = Q()
    full_index = blind_index(f"{last_name} {first_names}") if last_name else ""
    if full_index:
        condition |= Q(full_name_index=full_index)
    e164 = phone_e164(phone)
    if e164:
        condition |= Q(phone_index=blind_index(e164))
    if not condition:
        return []
    rows = RegisterEntry.objects.current().filter(condition)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    phone_index = blind_index(e164) if e164 else None
    matches = []
    for row in rows.order_by("pk")[:20]:
        same_phone = phone_index is not None and row.phone_index == phone_index
        same_person = (
            bool(full_index)
            and row.full_name_index == full_index
            and (birth_date is None or row.birth_year is None or row.birth_year == birth_date.year)
        )
        if same_phone or same_person:
            matches.append(row)
    return matches


# Creating and correcting ----------------------------------------------------------------------


def locate_entry(entry: RegisterEntry) -> bool:
    """Set quartier, postcode, city and is_located from the geocoder; an unknown address is kept as typed."""
    try:
        result = geocode(entry.address, entry.postcode, entry.city) if (entry.address or "").strip() else None
    except Exception:  # a geocoder outage must never stop a registration
        result = None
    if result is None:
        entry.is_located = False
        entry.quartier = None
        return False
    entry.is_located = True
    entry.postcode = entry.postcode or result.postcode[:5]
    entry.city = entry.city or result.city[:120]
    entry.quartier = quartier_for(result.latitude, result.longitude)
    return True


def _assign(entry: RegisterEntry, data: dict) -> list[str]:
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if value is None and name not in ("birth_date",):
            value = ""
        if hasattr(value, "as_e164"):
            value = value.as_e164
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def entry_create(
    *,
    data: dict,
    by: User | None,
    request: HttpRequest | None = None,
    allow_duplicate: bool = False,
    flag_duplicates: bool = False,
) -> RegisterEntry:
    """A new entry, status "received". Duplicates are refused unless confirmed (officer) or only
    flagged (public form, which never tells the sender)."""
    entry = RegisterEntry(created_by=by if getattr(by, "is_authenticated", False) else None)
    _assign(entry, data)
    if entry.origin in TRANSMITTED_ORIGINS:
        raise RegisterError("Les transmissions du département ou de la CARSAT passent par l'import de liste.")
    matches = find_duplicates(
        last_name=entry.last_name, first_names=entry.first_names, birth_date=entry.birth_date, phone=entry.phone
    )
    if matches and flag_duplicates:
        entry.possible_duplicate_of = matches[0]
    elif matches and not allow_duplicate:
        raise DuplicateEntry(matches)
    locate_entry(entry)
    entry.save()
    _log_creation(entry, by, entry.get_origin_display())
    detail = "formulaire public" if by is None or not by.is_authenticated else "saisie par un·e agent·e"
    if entry.possible_duplicate_of_id:
        detail += f", doublon possible de n° {entry.possible_duplicate_of_id}"
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        target=entry,
        fields=[n for n in EDITABLE_FIELDS if getattr(entry, n)],
        detail=detail,
        request=request,
    )
    return entry


@transaction.atomic
def entry_update(*, entry: RegisterEntry, data: dict, by: User, request: HttpRequest | None = None) -> list[str]:
    """A correction (R121-10). Returns the names of the fields that changed."""
    entry = RegisterEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.is_removed:
        raise RegisterError("Cette inscription est radiée : elle ne peut plus être modifiée.")
    changed = _assign(entry, data)
    if set(changed) & {"address", "postcode", "city"}:
        locate_entry(entry)
    if changed:
        entry.save()
        audit.record(
            actor=by, action=AuditAction.UPDATE, target=entry, fields=changed, detail="rectification", request=request
        )
    return changed


# State changes --------------------------------------------------------------------------------


def _log_creation(entry: RegisterEntry, by, note: str) -> None:
    ENTRY_WORKFLOW.log_creation(entry, by=_user_or_none(by), note=note)


def _user_or_none(by):
    return by if getattr(by, "is_authenticated", False) else None


def _move(entry: RegisterEntry, target: str, by, reason: str, request: HttpRequest | None, fields=()) -> None:
    """Move a locked entry; every field the caller changed on it is saved with the status."""
    previous = entry.status
    ENTRY_WORKFLOW.apply(entry, target, by=_user_or_none(by), note=reason, lock=False, full_save=True)
    audit.record(
        actor=by,
        action=AuditAction.TRANSITION,
        target=entry,
        fields=["status", *fields],
        detail=f"{previous} → {target} : {reason}",
        request=request,
    )


def _locked(entry: RegisterEntry) -> RegisterEntry:
    return RegisterEntry.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def entry_acknowledge(*, entry: RegisterEntry, by: User, request: HttpRequest | None = None) -> RegisterEntry:
    """R121-6: the acknowledgement is sent; without objection the person is registered."""
    entry = _locked(entry)
    if entry.origin in TRANSMITTED_ORIGINS:
        raise RegisterError(
            "Une pré-inscription transmise reçoit la lettre d'information, pas un accusé de réception : "
            "elle sera inscrite sans opposition à la fin du délai."
        )
    ENTRY_WORKFLOW.check(entry.status, EntryStatus.REGISTERED)
    entry.acknowledged_at = timezone.now()
    _move(entry, EntryStatus.REGISTERED, by, "accusé de réception envoyé", request, fields=["acknowledged_at"])
    return entry


def _erase(entry: RegisterEntry, by, request: HttpRequest | None) -> None:
    """R121-11: personal data goes, here and in what the upper apps linked to the entry (the
    `entry_erased` hook); the row stays as the trace of the removal (date, reason) until
    `purge_removed_entries` deletes it."""
    entry_erased.run(entry=entry, by=_user_or_none(by), request=request)
    for name in PERSONAL_FIELDS:
        setattr(entry, name, None if name == "birth_date" else "")
    entry.birth_year = None
    entry.resident = None
    entry.resident_link_consent_on = None
    entry.possible_duplicate_of = None
    RegisterExtras.objects.filter(entry=entry).delete()


@transaction.atomic
def entry_remove(
    *,
    entry: RegisterEntry,
    reason: str,
    by: User | None,
    request: HttpRequest | None = None,
    on: datetime.date | None = None,
) -> RegisterEntry:
    entry = _locked(entry)
    if reason not in RemovalReason.values:
        raise RegisterError("Motif de radiation inconnu.")
    ENTRY_WORKFLOW.check(entry.status, EntryStatus.REMOVED)
    day = on or timezone.localdate()
    entry.removal_reason = reason
    entry.removed_on = day
    if reason == RemovalReason.OBJECTION:
        entry.objection_on = day
    _erase(entry, by, request)
    _move(
        entry,
        EntryStatus.REMOVED,
        by,
        RemovalReason(reason).label,
        request,
        fields=[*PERSONAL_FIELDS, "removal_reason", "removed_on"],
    )
    return entry


@dataclass(frozen=True)
class PurgeResult:
    """What a purge deleted (or would delete, in a dry run): counts only, no personal data."""

    entries: int
    transitions: int
    by_reason: dict[str, int]
    cutoff: datetime.date
    dry_run: bool


PURGE_CHUNK = 500


def removed_entries_due(today: datetime.date) -> QuerySet[RegisterEntry]:
    """Removed entries whose removal is older than VS_REGISTER_REMOVED_PURGE_DAYS."""
    cutoff = today - datetime.timedelta(days=settings.VS_REGISTER_REMOVED_PURGE_DAYS)
    return RegisterEntry.objects.filter(status=EntryStatus.REMOVED, removed_on__lt=cutoff)


def purge_removed_entries(*, today: datetime.date | None = None, dry_run: bool = False) -> PurgeResult:
    """Delete the rows kept as the trace of a removal once the delay has run out (run daily).

    With the row go its state history and its links: the campaigns' calls stay, anonymous,
    for their counts (their link to the entry is emptied). Idempotent: a second run finds nothing.
    """
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.VS_REGISTER_REMOVED_PURGE_DAYS)
    with transaction.atomic():
        due = removed_entries_due(today)
        pks = list(due.select_for_update().values_list("pk", flat=True))
        by_reason = {
            row["removal_reason"]: row["n"]
            for row in due.values("removal_reason").annotate(n=Count("pk")).order_by("removal_reason")
        }
        transitions = RegisterEntryTransition.objects.filter(entry__in=due).count()
        if pks and not dry_run:
            for start in range(0, len(pks), PURGE_CHUNK):
                # Cascades to the state history; the campaigns' call targets only lose their link.
                RegisterEntry.objects.filter(pk__in=pks[start : start + PURGE_CHUNK]).delete()
            audit.record(
                actor=None,
                action=AuditAction.DELETE,
                target=RegisterEntry,
                detail=f"purge des inscriptions radiées avant le {cutoff:%d/%m/%Y} : {len(pks)} supprimée(s)",
            )
    result = PurgeResult(
        entries=len(pks), transitions=transitions, by_reason=by_reason, cutoff=cutoff, dry_run=dry_run
    )
    logger.info(
        "Register purge%s: %s removed entries deleted (removed before %s), %s transitions",
        " (dry run)" if dry_run else "",
        result.entries,
        cutoff.isoformat(),
        result.transitions,
        extra={
            "job": "purge_register",
            "dry_run": dry_run,
            "entries": result.entries,
            "transitions": result.transitions,
            "by_reason": by_reason,
            "cutoff": cutoff.isoformat(),
        },
    )
    return result


@transaction.atomic
def entry_confirm(
    *, entry: RegisterEntry, by: User, on: datetime.date | None = None, request: HttpRequest | None = None
) -> RegisterEntry:
    """Yearly re-confirmation: the person confirmed their registration and details."""
    entry = _locked(entry)
    if entry.status != EntryStatus.REGISTERED:
        raise RegisterError("Seule une inscription active peut être confirmée.")
    entry.confirmed_on = on or timezone.localdate()
    entry.save(update_fields=["confirmed_on", "updated_at"])
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        target=entry,
        fields=["confirmed_on"],
        detail="confirmation annuelle",
        request=request,
    )
    return entry


def pre_registrations_due(today: datetime.date) -> QuerySet[RegisterEntry]:
    """Transmitted entries informed more than VS_REGISTER_OBJECTION_DAYS ago, without objection."""
    deadline = today - datetime.timedelta(days=settings.VS_REGISTER_OBJECTION_DAYS)
    limit = timezone.make_aware(datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time.min))
    return RegisterEntry.objects.filter(
        status=EntryStatus.RECEIVED,
        origin__in=TRANSMITTED_ORIGINS,
        informed_at__isnull=False,
        informed_at__lt=limit,
        objection_on__isnull=True,
    )


def confirm_pre_registrations(*, today: datetime.date | None = None, by: User | None = None) -> int:
    """Register the pre-registrations whose objection delay has run out. Idempotent."""
    today = today or timezone.localdate()
    count = 0
    for pk in pre_registrations_due(today).values_list("pk", flat=True):
        with transaction.atomic():
            entry = _locked(RegisterEntry(pk=pk))
            if entry.status != EntryStatus.RECEIVED or entry.objection_on:
                continue
            _move(entry, EntryStatus.REGISTERED, by, "sans opposition dans le délai", None)
            count += 1
    return count


@transaction.atomic
def mark_informed(*, entries: list[RegisterEntry], by: User, request: HttpRequest | None = None) -> None:
    now = timezone.now()
    pks = [e.pk for e in entries if e.informed_at is None]
    RegisterEntry.objects.filter(pk__in=pks).update(informed_at=now)
    for entry in entries:
        if entry.pk in pks:
            entry.informed_at = now
    audit.record(
        actor=by,
        action=AuditAction.PRINT,
        target=RegisterEntry,
        fields=["informed_at"],
        detail=f"lettres d'information : {len(entries)} pré-inscription(s)",
        request=request,
    )


# Consent-based extras and the resident link ---------------------------------------------------


@transaction.atomic
def extras_save(*, entry: RegisterEntry, data: dict, by: User, request: HttpRequest | None = None) -> RegisterExtras:
    if entry.is_removed:
        raise RegisterError("Cette inscription est radiée.")
    if not data.get("consent_on"):
        raise RegisterError("Indiquez la date à laquelle la personne a donné son accord.")
    extras = RegisterExtras.objects.filter(entry=entry).first() or RegisterExtras(entry=entry)
    for name in EXTRAS_FIELDS:
        setattr(extras, name, data.get(name) if data.get(name) is not None else "")
    extras.consent_recorded_by = by
    extras.save()
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        target=entry,
        fields=[f"extras.{n}" for n in EXTRAS_FIELDS],
        detail="informations complémentaires (avec accord)",
        request=request,
    )
    return extras


@transaction.atomic
def extras_withdraw(*, entry: RegisterEntry, by: User, request: HttpRequest | None = None) -> bool:
    deleted, _ = RegisterExtras.objects.filter(entry=entry).delete()
    if deleted:
        audit.record(
            actor=by,
            action=AuditAction.DELETE,
            target=entry,
            fields=[f"extras.{n}" for n in EXTRAS_FIELDS],
            detail="retrait de l'accord : informations complémentaires supprimées",
            request=request,
        )
    return bool(deleted)


@transaction.atomic
def link_resident(
    *,
    entry: RegisterEntry,
    resident: Resident,
    consent_on: datetime.date,
    by: User,
    request: HttpRequest | None = None,
) -> RegisterEntry:
    entry = _locked(entry)
    if entry.is_removed:
        raise RegisterError("Cette inscription est radiée.")
    if not consent_on:
        raise RegisterError("Le lien demande l'accord de la personne : indiquez sa date.")
    other = RegisterEntry.objects.filter(resident=resident).exclude(pk=entry.pk).first()
    if other is not None:
        raise RegisterError(f"Cette fiche habitant·e est déjà liée à l'inscription n° {other.pk}.")
    save_resident_link(
        entry=entry,
        resident=resident,
        consent_on=consent_on,
        by=by,
        # Not the resident's number: whoever reads the journal (an auditor) would learn who is on
        # the register by opening the resident's record (third walkthrough).
        detail="lien avec une fiche habitant·e",
        request=request,
    )
    return entry


@transaction.atomic
def unlink_resident(*, entry: RegisterEntry, by: User, request: HttpRequest | None = None) -> None:
    entry = _locked(entry)
    if entry.resident_id is None:
        return
    save_resident_link(
        entry=entry,
        resident=None,
        consent_on=None,
        by=by,
        detail="lien avec la fiche habitant·e retiré",
        request=request,
    )


def save_resident_link(
    *,
    entry: RegisterEntry,
    resident: Resident | None,
    consent_on: datetime.date | None,
    by: User,
    detail: str,
    request: HttpRequest | None = None,
) -> None:
    """Write the entry's link to a resident file (None removes it) and audit it. The caller holds
    the entry's row lock and has checked that the link may be made."""
    entry.resident = resident
    entry.resident_link_consent_on = consent_on
    entry.save(update_fields=["resident", "resident_link_consent_on", "updated_at"])
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        target=entry,
        fields=["resident", "resident_link_consent_on"],
        detail=detail,
        request=request,
    )


# Import of transmitted lists ------------------------------------------------------------------


@dataclass
class ImportResult:
    batch: RegisterImport | None = None
    created: list[RegisterEntry] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # file row numbers of exact duplicates


@transaction.atomic
def import_rows(
    *,
    rows: list[tuple[int, dict]],
    origin: str,
    by: User | None,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> ImportResult:
    """Create pre-registrations from validated rows (row number, cleaned data). Exact duplicates
    of a current entry (same full name and birth date) or of an earlier row are skipped."""
    if origin not in TRANSMITTED_ORIGINS:
        raise RegisterError("Origine inconnue : département ou CARSAT.")
    result = ImportResult()
    batch = RegisterImport.objects.create(
        origin=origin, file_name=file_name[:200], imported_by=by if getattr(by, "is_authenticated", False) else None
    )
    seen: set[tuple[str, datetime.date]] = set()
    for number, data in rows:
        key = (blind_index(f"{data['last_name']} {data['first_names']}"), data["birth_date"])
        if key in seen or _exact_duplicate(key):
            result.skipped.append(number)
            continue
        seen.add(key)
        entry = RegisterEntry(
            origin=origin, import_batch=batch, created_by=by if getattr(by, "is_authenticated", False) else None
        )
        _assign(entry, {**data, "origin": origin})
        locate_entry(entry)
        entry.save()
        _log_creation(entry, by, f"liste transmise ({entry.get_origin_display()})")
        result.created.append(entry)
    batch.row_count, batch.skipped_count = len(result.created), len(result.skipped)
    batch.save(update_fields=["row_count", "skipped_count"])
    result.batch = batch
    audit.record(
        actor=by,
        action=AuditAction.IMPORT,
        target=batch,
        fields=list(R121_4_FIELDS),
        detail=f"{Origin(origin).label} : {len(result.created)} pré-inscription(s), "
        f"{len(result.skipped)} doublon(s) ignoré(s)",
        request=request,
    )
    return result


def _exact_duplicate(key: tuple[str, datetime.date]) -> bool:
    full_index, birth_date = key
    return any(
        row.birth_date == birth_date for row in RegisterEntry.objects.current().filter(full_name_index=full_index)
    )


def decode_upload(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 / Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1", errors="replace")


def read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and rows (with their line number in the file) of a `;` or `,` separated file."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    header: list[str] = []
    for record in reader:
        if not header:
            header = record
            continue
        if not any(cell.strip() for cell in record):
            continue
        rows.append((reader.line_num, record))
    return header, rows


# Préfet transmission (R121-8) -----------------------------------------------------------------


def export_headers() -> list[str]:
    return [_label(RegisterEntry, name) for name in R121_4_FIELDS]


def export_cell(entry: RegisterEntry, name: str) -> str | datetime.date:
    """One R121-4 value for the export: choices by their label, dates kept as dates."""
    value = getattr(entry, name)
    if name in ("ground", "disability_benefit"):
        return getattr(entry, f"get_{name}_display")() if value else ""
    return value or ""


def export_value(entry: RegisterEntry, name: str) -> str:
    value = export_cell(entry, name)
    return value.strftime("%d/%m/%Y") if isinstance(value, datetime.date) else value


def export_rows(queryset: QuerySet[RegisterEntry]):
    for entry in queryset.only(*R121_4_FIELDS).order_by("pk").iterator(chunk_size=2000):
        yield [export_cell(entry, name) for name in R121_4_FIELDS]


@transaction.atomic
def prefect_export(
    *, episode, requested_by: str, reason: str, fmt: str, by: User, request: HttpRequest | None = None
) -> tuple[PrefectTransmission, Table]:
    """The register, kept up to date, for the préfet: R121-4 fields only, current entries only.

    Returns the transmission and the table to send (the view writes it in `fmt`)."""
    if fmt not in ExportFormat.values:
        raise RegisterError("Format inconnu : CSV ou XLSX.")
    rows = list(export_rows(RegisterEntry.objects.current()))
    transmission = PrefectTransmission.objects.create(
        episode=episode, requested_by=requested_by, reason=reason, exported_by=by, format=fmt, row_count=len(rows)
    )
    audit.record(
        actor=by,
        action=AuditAction.EXPORT,
        target=transmission,
        fields=list(R121_4_FIELDS),
        detail=f"transmission au préfet, épisode n° {episode.pk}, {len(rows)} inscription(s), {fmt}",
        request=request,
    )
    return transmission, Table("Registre", export_headers(), rows)


# The person's rights (R121-10) ----------------------------------------------------------------


def dossier(entry: RegisterEntry) -> dict:
    """Everything held on one person: entry, consent-based extras, history, accesses logged."""
    extras = RegisterExtras.objects.filter(entry=entry).first()
    return {
        "entry": entry,
        "fields": [(_label(RegisterEntry, n), export_value(entry, n)) for n in R121_4_FIELDS],
        "procedure": [
            (_label(RegisterEntry, n), _display(entry, n))
            for n in (
                "origin",
                "status",
                "removal_reason",
                "removed_on",
                "acknowledgement_due_on",
                "acknowledged_at",
                "informed_at",
                "objection_on",
                "confirmed_on",
                "quartier",
                "resident_link_consent_on",
                "notes",
            )
        ],
        "extras": extras,
        "extras_fields": [(_label(RegisterExtras, n), _display(extras, n)) for n in EXTRAS_FIELDS] if extras else [],
        "transitions": list(entry.transitions.select_related("by")),
        "accesses": list(
            AuditEntry.objects.filter(object_type=RegisterEntry._meta.label, object_id=str(entry.pk))[:500]
        ),
    }


def _label(model, name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _display(obj, name: str) -> str:
    value = getattr(obj, name)
    if value in (None, ""):
        return ""
    if hasattr(obj, f"get_{name}_display"):
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def dossier_json(data: dict) -> dict:
    entry = data["entry"]
    return {
        "inscription": {"numéro": entry.pk, **{label: value for label, value in data["fields"]}},
        "procédure": {label: value for label, value in data["procedure"]},
        "informations_complémentaires": {label: value for label, value in data["extras_fields"]},
        "historique": [
            {
                "date": timezone.localtime(t.at).isoformat(timespec="seconds"),
                "de": t.get_from_status_display(),
                "vers": t.get_to_status_display(),
                "motif": t.note,
                "par": (t.by.get_full_name() or t.by.email) if t.by else "",
            }
            for t in data["transitions"]
        ],
        "accès_journalisés": [
            {
                "date": timezone.localtime(a.at).isoformat(timespec="seconds"),
                "auteur": a.actor_label,
                "action": a.get_action_display(),
                "champs": a.fields,
            }
            for a in data["accesses"]
        ],
    }
