"""Keeps the matching index (VolunteerMatchProfile) in step with volunteers.

Volunteer services call `index_volunteer` after every change that matching reads (status,
address, categories, skills, languages, availability, distance). `rebuild_index` rebuilds
all rows, e.g. after a bulk import. Training services call `refresh_training_masks` after
recording a training; the daily `refresh_training_index` command clears expired ones.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.utils import timezone

from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.trainings.models import VolunteerTraining
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer


def _mask(bits) -> int:
    mask = 0
    for bit in bits:
        mask |= 1 << bit
    return mask


def profile_for(volunteer: Volunteer, skill_bits, training_bits=()) -> VolunteerMatchProfile:
    """The row of a volunteer; their categories come from Volunteer.categories_mask, which the
    volunteers' services write with the links."""
    return VolunteerMatchProfile(
        volunteer_id=volunteer.pk,
        is_eligible=volunteer.status == Status.ACTIVE,
        latitude=volunteer.latitude if volunteer.is_located else None,
        longitude=volunteer.longitude if volunteer.is_located else None,
        max_distance_km=float(volunteer.max_distance_km),
        categories_mask=volunteer.categories_mask,
        skills_mask=_mask(skill_bits),
        languages_mask=volunteer.languages,
        availability_mask=volunteer.availability,
        trainings_mask=_mask(training_bits),
        domains_mask=volunteer.domains,
    )


def _valid_trainings(day: datetime.date | None = None):
    return VolunteerTraining.objects.valid_on(day or timezone.localdate())


def index_volunteer(volunteer: Volunteer) -> VolunteerMatchProfile | None:
    """Write the volunteer's row; an anonymised volunteer (withdrawn, or long inactive) has none."""
    if volunteer.anonymised_at:
        VolunteerMatchProfile.objects.filter(volunteer_id=volunteer.pk).delete()
        return None
    profile = profile_for(
        volunteer,
        volunteer.skills.values_list("bit", flat=True),
        _valid_trainings().filter(volunteer=volunteer).values_list("module__bit", flat=True),
    )
    profile.save()
    return profile


def index_new_volunteer(volunteer: Volunteer, *, skills) -> VolunteerMatchProfile:
    """First row of a volunteer just created with these skills (their categories are already in
    `categories_mask`): the bits come from the objects in hand and the row is inserted straight
    away (the public sign-up is the busiest write of a recruitment drive: two queries fewer than
    index_volunteer)."""
    profile = profile_for(volunteer, [skill.bit for skill in skills])
    profile.save(force_insert=True)
    return profile


@transaction.atomic
def rebuild_index(batch_size: int = 2000) -> int:
    """Rebuild every row with a handful of queries (used by seed_demo and the bench)."""
    skill_bits: dict[int, list[int]] = defaultdict(list)
    for volunteer_id, bit in Volunteer.skills.through.objects.values_list("volunteer_id", "skill__bit"):
        skill_bits[volunteer_id].append(bit)
    training_bits: dict[int, list[int]] = defaultdict(list)
    for volunteer_id, bit in _valid_trainings().values_list("volunteer_id", "module__bit"):
        training_bits[volunteer_id].append(bit)
    VolunteerMatchProfile.objects.all().delete()
    profiles = [
        profile_for(volunteer, skill_bits[volunteer.pk], training_bits[volunteer.pk])
        for volunteer in Volunteer.objects.filter(anonymised_at__isnull=True)
        .only(
            "pk",
            "status",
            "is_located",
            "latitude",
            "longitude",
            "max_distance_km",
            "languages",
            "availability",
            "categories_mask",
            "domains",
        )
        .iterator(chunk_size=batch_size)
    ]
    VolunteerMatchProfile.objects.bulk_create(profiles, batch_size=batch_size)
    return len(profiles)


def training_masks(volunteer_ids: Iterable[int], day: datetime.date | None = None) -> dict[int, int]:
    """Mask of the modules each volunteer holds a valid training of on `day` (one query)."""
    masks = dict.fromkeys(volunteer_ids, 0)
    rows = _valid_trainings(day).filter(volunteer_id__in=list(masks)).values_list("volunteer_id", "module__bit")
    for volunteer_id, bit in rows:
        masks[volunteer_id] |= 1 << bit
    return masks


@transaction.atomic
def refresh_training_masks(
    volunteer_ids: Iterable[int], day: datetime.date | None = None, batch_size: int = 1000
) -> int:
    """Rewrite only `trainings_mask` of these volunteers' rows (after a training is recorded,
    corrected or expired). Volunteers without a row are left to `index_volunteer`. Returns
    the number of rows changed."""
    volunteer_ids = list(dict.fromkeys(volunteer_ids))
    changed = 0
    for start in range(0, len(volunteer_ids), batch_size):
        masks = training_masks(volunteer_ids[start : start + batch_size], day)
        stale = [
            VolunteerMatchProfile(volunteer_id=volunteer_id, trainings_mask=masks[volunteer_id])
            for volunteer_id, current in VolunteerMatchProfile.objects.filter(
                volunteer_id__in=list(masks)
            ).values_list("volunteer_id", "trainings_mask")
            if current != masks[volunteer_id]
        ]
        VolunteerMatchProfile.objects.bulk_update(stale, ["trainings_mask"])
        changed += len(stale)
    return changed


def clear_training_bit(bit: int) -> int:
    """A deleted module's bit may be given to a new module: clear it from every row first."""
    return VolunteerMatchProfile.objects.filter(trainings_mask__gt=0).update(
        trainings_mask=models.F("trainings_mask").bitand(~(1 << bit))
    )


def cluster_index() -> bool:
    """Rewrite the index table in position order (PostgreSQL): volunteers near each other share
    pages, so the nearby ranking reads a few pages instead of one per row. Rows written since
    the last run are appended wherever there is room, hence a nightly run. Takes a lock that
    holds matching back for the rewrite (seconds at a million rows). False on other databases."""
    if connection.vendor != "postgresql":
        return False
    table = connection.ops.quote_name(VolunteerMatchProfile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CLUSTER {table} USING match_position")
        cursor.execute(f"ANALYZE {table}")
    return True
