"""Heat-wave (or cold) episodes: declared, edited, closed with the campaigns running in them."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record
from villesolidaire.campaigns.enums import CampaignStatus
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services.campaign_lifecycle import campaign_transition
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.crises.models import EPISODE_WORKFLOW, Episode, EpisodeStatus


@transaction.atomic
def episode_declare(*, data: dict, quartiers: Iterable, by: User, request=None) -> Episode:
    episode = Episode(**data, declared_by=by)
    episode.full_clean(exclude=["declared_by"])
    episode.save()
    episode.quartiers.set(quartiers)
    EPISODE_WORKFLOW.log_creation(episode, by=by)
    record(actor=by, action=AuditAction.CREATE, target=episode, fields=[*data, "quartiers"], request=request)
    return episode


@transaction.atomic
def episode_update(*, episode: Episode, data: dict, quartiers: Iterable, by: User, request=None) -> Episode:
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.status == EpisodeStatus.CLOSED:
        raise CampaignError("Cet épisode est clos : il ne peut plus être modifié.")
    for name, value in data.items():
        setattr(episode, name, value)
    episode.full_clean(exclude=["declared_by"])
    episode.save()
    episode.quartiers.set(quartiers)
    record(actor=by, action=AuditAction.UPDATE, target=episode, fields=[*data, "quartiers"], request=request)
    return episode


@transaction.atomic
def episode_close(*, episode: Episode, by: User, ends_on: date | None = None, note: str = "", request=None) -> Episode:
    """Close the episode (its end date defaults to today) and every campaign still running in it."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    try:
        EPISODE_WORKFLOW.check(episode.status, EpisodeStatus.CLOSED)
    except TransitionNotAllowed as exc:
        raise CampaignError(str(exc)) from exc
    ends_on = ends_on or episode.ends_on or timezone.localdate()
    if ends_on < episode.starts_on:
        raise CampaignError("La fin de l'épisode ne peut pas précéder son début.")
    EPISODE_WORKFLOW.apply(episode, EpisodeStatus.CLOSED, by=by, note=note[:300], lock=False, ends_on=ends_on)
    for campaign in episode.campaigns.exclude(status=CampaignStatus.CLOSED):
        campaign_transition(
            campaign=campaign, target=CampaignStatus.CLOSED, by=by, note="Épisode clos", request=request
        )
    record(actor=by, action=AuditAction.TRANSITION, target=episode, fields=["status", "ends_on"], request=request)
    return episode


def episode_end_at(episode: Episode) -> datetime | None:
    """The instant the episode ends (midnight after its last day), or None while open-ended."""
    if episode.ends_on is None:
        return None
    return timezone.make_aware(datetime.combine(episode.ends_on + timedelta(days=1), time.min))
