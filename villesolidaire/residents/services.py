"""Writes on resident files: creation with geocoding, update, contacts, merging duplicates."""

from django.db import transaction

from villesolidaire.accounts.models import User
from villesolidaire.core.validation import is_mobile
from villesolidaire.notifications.models import CallTask
from villesolidaire.residents.models import Resident, ResidentContact
from villesolidaire.territory.geocoding import locate

# Fields copied from a duplicate into the file it is merged into when the latter has them empty.
MERGE_FILLABLE_FIELDS = ("first_name", "last_name", "birth_year", "phone", "mobile", "email", "notes")
ADDRESS_FIELDS = (
    "address",
    "address_complement",
    "postcode",
    "city",
    "ban_id",
    "latitude",
    "longitude",
    "is_located",
    "quartier",
)


NULLABLE_FIELDS = frozenset({"birth_year"})


class MergeError(Exception):
    """A merge that makes no sense (same file, already merged). The message is French."""


def _assign(resident: Resident, data: dict) -> bool:
    """Copy form data onto the file; returns whether the address changed (→ geocode again)."""
    address_before = (resident.address, resident.postcode, resident.city)
    for name, value in data.items():
        # Empty form values are None for phones; the columns store "" (birth year stays NULL).
        setattr(resident, name, "" if value is None and name not in NULLABLE_FIELDS else value)
    return (resident.address, resident.postcode, resident.city) != address_before


def split_phone(data: dict) -> dict:
    """A single typed number goes to `mobile` when it is one (SMS updates), else to `phone`."""
    data = dict(data)
    number = data.pop("any_phone", None)
    if number:
        data["mobile" if is_mobile(number) else "phone"] = number
    return data


@transaction.atomic
def resident_create(*, data: dict, by: User | None) -> Resident:
    resident = Resident(created_by=by)
    _assign(resident, split_phone(data))
    locate(resident)
    resident.save()
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, data: dict) -> Resident:
    if _assign(resident, data):
        locate(resident)
    resident.save()
    return resident


@transaction.atomic
def resident_find_or_create(*, data: dict, by: User | None) -> tuple[Resident, bool]:
    """The public form's de-duplication: a known phone (landline or mobile) reuses that file."""
    number = data.get("any_phone")
    if number:
        existing = Resident.objects.active().matching_phone(number).order_by("pk").first()
        if existing is not None:
            return existing, False
    return resident_create(data=data, by=by), True


def resident_contact_add(*, resident: Resident, name: str, relation: str = "", phone=None) -> ResidentContact:
    return ResidentContact.objects.create(resident=resident, name=name, relation=relation, phone=phone or "")


@transaction.atomic
def resident_merge(*, source: Resident, target: Resident, by: User | None) -> Resident:
    """Fold the duplicate `source` into `target`: everything about the person ends up on one file."""
    if source.pk == target.pk:
        raise MergeError("Une fiche ne peut pas être fusionnée avec elle-même.")
    # Lock both files in primary-key order so two concurrent merges cannot deadlock.
    locked = {
        r.pk: r for r in Resident.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.is_merged or target.is_merged:
        raise MergeError("L'une des deux fiches a déjà été fusionnée : rechargez la page.")
    _move_related(source, target)
    _fill_empty_fields(source, target)
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    return target


def _move_related(source: Resident, target: Resident) -> None:
    # Reverse relations: the apps holding requests and supports sit above this one.
    source.help_requests.update(resident=target)
    source.supports.update(resident=target)
    CallTask.objects.filter(resident=source).update(resident=target)
    ResidentContact.objects.filter(resident=source).update(resident=target)
    # Files merged earlier into the source now point straight at the surviving file.
    Resident.objects.filter(merged_into=source).update(merged_into=target)


def _fill_empty_fields(source: Resident, target: Resident) -> None:
    for name in MERGE_FILLABLE_FIELDS:
        if getattr(target, name) in ("", None) and getattr(source, name) not in ("", None):
            setattr(target, name, getattr(source, name))
    if not target.address and source.address:
        for name in ADDRESS_FIELDS:
            setattr(target, name, getattr(source, name))
