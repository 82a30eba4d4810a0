"""Who a campaign calls: the register entries matching its targeting, turned into its call list."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from villesolidaire.campaigns import rules
from villesolidaire.campaigns.models import CallTarget, Campaign
from villesolidaire.crises.models import Episode
from villesolidaire.register.models import RegisterEntry

GENERATION_BATCH = 2000
ANALYZE_AFTER = 1000


@dataclass(frozen=True)
class Targeting:
    """Who a campaign calls. Empty quartiers = the episode's quartiers (or the whole town)."""

    quartiers: tuple = ()
    isolated_only: bool = False
    min_age: int | None = None
    grounds: tuple[str, ...] = ()
    include_linked_residents: bool = False


def targeted_entries(*, episode: Episode, targeting: Targeting, year: int):
    """Current register entries matching the targeting, as a queryset (no decryption)."""
    quartier_ids = [getattr(q, "pk", q) for q in targeting.quartiers] or list(
        episode.quartiers.values_list("pk", flat=True)
    )
    entries = RegisterEntry.objects.current()
    condition = Q()
    if quartier_ids:
        condition &= Q(quartier_id__in=quartier_ids)
    if targeting.isolated_only:
        # Only known with the person's consent (RegisterExtras exists only with a consent date).
        condition &= Q(extras__lives_alone=True, extras__consent_on__isnull=False)
    if targeting.min_age:
        condition &= Q(birth_year__lte=rules.birth_year_limit(min_age=targeting.min_age, year=year))
    if targeting.grounds:
        condition &= Q(ground__in=list(targeting.grounds))
    if targeting.include_linked_residents and condition:
        # People the CCAS already helps who agreed to link their register entry to their file.
        condition |= Q(resident__isnull=False, resident_link_consent_on__isnull=False)
    return entries.filter(condition)


def campaign_targeting(campaign: Campaign) -> Targeting:
    return Targeting(
        quartiers=tuple(campaign.quartiers.values_list("pk", flat=True)),
        isolated_only=campaign.isolated_only,
        min_age=campaign.min_age,
        grounds=tuple(campaign.grounds or ()),
        include_linked_residents=campaign.include_linked_residents,
    )


@transaction.atomic
def campaign_generate_targets(
    *, campaign: Campaign, targeting: Targeting | None = None, now: datetime | None = None
) -> int:
    """Add one CallTarget per matching entry not yet in the campaign; returns how many were added.

    One query reads the entries (clear columns only: no decryption), sorted by priority
    (isolated first, then older people, then quartier); bulk inserts follow.
    """
    now = now or timezone.now()
    targeting = targeting or campaign_targeting(campaign)
    entries = (
        targeted_entries(episode=campaign.episode, targeting=targeting, year=timezone.localtime(now).year)
        .exclude(call_targets__campaign=campaign)
        .annotate(isolated=Coalesce("extras__lives_alone", models.Value(False)))
        .order_by(
            models.F("isolated").desc(),
            models.F("birth_year").asc(nulls_last=True),
            models.F("quartier__name").asc(nulls_last=True),
            "pk",
        )
        .values_list("pk", "isolated", "birth_year", "quartier_id")
    )
    start_rank = campaign.targets.aggregate(top=models.Max("rank"))["top"] or 0
    batch: list[CallTarget] = []
    added = 0
    for offset, (entry_id, isolated, birth_year, quartier_id) in enumerate(
        entries.iterator(chunk_size=GENERATION_BATCH), 1
    ):
        batch.append(
            CallTarget(
                campaign_id=campaign.pk,
                entry_id=entry_id,
                priority=0 if isolated else 1,
                rank=start_rank + offset,
                is_isolated=bool(isolated),
                birth_year=birth_year,
                quartier_id=quartier_id,
                next_call_at=now,
                created_at=now,
            )
        )
        if len(batch) >= GENERATION_BATCH:
            CallTarget.objects.bulk_create(batch, batch_size=GENERATION_BATCH, ignore_conflicts=True)
            added += len(batch)
            batch = []
    if batch:
        CallTarget.objects.bulk_create(batch, batch_size=GENERATION_BATCH, ignore_conflicts=True)
        added += len(batch)
    campaign.targets_count = campaign.targets.count()
    campaign.save(update_fields=["targets_count"])
    if added >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Thousands of fresh rows: refresh the planner's statistics now rather than when
        # autovacuum gets to it, or the first "next call" queries plan a full sort (11 ms
        # instead of 0.3 ms measured on 20,000 targets).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CallTarget._meta.db_table}")
    return added
