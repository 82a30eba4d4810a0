"""A campaign from creation to closing: created with its call list, completed, paused, resumed, closed."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns import rules
from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.models import CAMPAIGN_WORKFLOW, Campaign, Questionnaire
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.targeting import Targeting, campaign_generate_targets
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.crises.models import Episode, EpisodeStatus


@transaction.atomic
def campaign_create(
    *,
    episode: Episode,
    by: User,
    title: str = "",
    targeting: Targeting | None = None,
    recall: rules.RecallRules | None = None,
    questionnaire: Questionnaire | None = None,
    sms_wave: bool = False,
    now: datetime | None = None,
    request=None,
) -> Campaign:
    """Create a campaign for an episode and generate its call list (default: whole episode, default re-call rules)."""
    now = now or timezone.now()
    targeting = targeting or Targeting()
    recall = recall or rules.RecallRules()
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status == EpisodeStatus.CLOSED:
        raise CampaignError("Cet épisode est clos : on ne peut plus y lancer de campagne.")
    campaign = Campaign.objects.create(
        episode=episode,
        title=(title or f"Appels — {episode}")[:120],
        created_by=by,
        created_at=now,
        isolated_only=targeting.isolated_only,
        min_age=targeting.min_age,
        grounds=list(targeting.grounds),
        include_linked_residents=targeting.include_linked_residents,
        reached_recheck_hours=recall.reached_recheck_hours,
        retry_minutes=recall.retry_minutes,
        max_failed_attempts=recall.max_failed_attempts,
        failure_window_hours=recall.failure_window_hours,
        questionnaire=questionnaire or Questionnaire.default(),
        sms_wave=sms_wave,
    )
    quartier_ids = [getattr(q, "pk", q) for q in targeting.quartiers] or list(
        episode.quartiers.values_list("pk", flat=True)
    )
    campaign.quartiers.set(quartier_ids)
    CAMPAIGN_WORKFLOW.log_creation(campaign, by=by, at=now)
    count = campaign_generate_targets(campaign=campaign, targeting=targeting, now=now)
    record(
        actor=by,
        action=AuditAction.CREATE,
        target=campaign,
        detail=f"{count} personnes à appeler",
        request=request,
        fields=["quartiers", "isolated_only", "min_age", "grounds", "include_linked_residents"],
    )
    return campaign


@transaction.atomic
def campaign_refresh(*, campaign: Campaign, by: User, now: datetime | None = None, request=None) -> int:
    """Add entries registered since the campaign started (same targeting)."""
    if campaign.status == CampaignStatus.CLOSED:
        raise CampaignError("Cette campagne est close.")
    added = campaign_generate_targets(campaign=campaign, now=now)
    record(
        actor=by,
        action=AuditAction.UPDATE,
        target=campaign,
        fields=["targets"],
        detail=f"{added} ajoutées",
        request=request,
    )
    return added


@transaction.atomic
def campaign_transition(*, campaign: Campaign, target: str, by: User, note: str = "", request=None) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    try:
        CAMPAIGN_WORKFLOW.check(campaign.status, target)
    except TransitionNotAllowed as exc:
        raise CampaignError(str(exc)) from exc
    if target == CampaignStatus.ACTIVE and campaign.episode.status == EpisodeStatus.CLOSED:
        raise CampaignError("L'épisode est clos : la campagne ne peut pas reprendre.")
    previous = campaign.status
    CAMPAIGN_WORKFLOW.apply(campaign, target, by=by, note=note[:300], lock=False)
    if target == CampaignStatus.CLOSED:
        # Nobody keeps a lease on a closed campaign.
        campaign.targets.filter(locked_by__isnull=False).update(
            locked_by=None, locked_at=None, locked_until=None, sheet=None
        )
    record(
        actor=by,
        action=AuditAction.TRANSITION,
        target=campaign,
        fields=["status"],
        detail=f"{previous} → {target}",
        request=request,
    )
    return campaign
