"""Demo contribution of the campaigns app: last summer's heatwave and a recent cold spell, with
their call campaigns.

Called by `seed_demo` after the register is seeded: every current register entry was called.
No real person is described (see register.demo).
"""

import datetime
import random

from django.utils import timezone

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.enums import CampaignStatus, EscalationKind, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import (
    CAMPAIGN_WORKFLOW,
    CallAttempt,
    CallerAccreditation,
    CallTarget,
    Campaign,
    CampaignTransition,
    EscalationStep,
    Questionnaire,
)
from villesolidaire.core.workflow import Step
from villesolidaire.crises.models import Episode, EpisodeKind, EpisodeLevel, EpisodeStatus
from villesolidaire.register.models import EntryStatus, RegisterEntry


def _weighted(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# Outcomes of the first call of each person in the demo heatwave (weights), after Paris/Nancy
# practice: most people reached and fine, a few needing help, some never answering.
FIRST_CALL_OUTCOMES = {
    "reached_fine": 70,
    "reached_help": 6,
    "no_answer": 14,
    "voicemail": 6,
    "absent": 2,
    "hospitalised": 1,
    "wrong_number": 1,
}


def seed_past_heatwave(rng: random.Random, *, today: datetime.date, officer: User, caller: User) -> dict:
    """A closed orange heatwave of last summer and its call campaign, written in bulk.

    Every current register entry was called once or more over four days; unreached people went
    through the retry series and a few through escalation (emergency contact, then a visit).
    """
    starts_on = datetime.date(today.year if today.month > 8 else today.year - 1, 7, 14)
    # The demo caller followed the calling training and signed the confidentiality undertaking.
    CallerAccreditation.objects.create(
        user=caller,
        training_on=starts_on - datetime.timedelta(days=40),
        undertaking_signed_on=starts_on - datetime.timedelta(days=40),
        granted_by=officer,
    )
    episode = Episode.objects.create(
        kind=EpisodeKind.HEATWAVE,
        level=EpisodeLevel.ORANGE,
        title="Canicule de juillet",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=4),
        declared_by=officer,
        status=EpisodeStatus.CLOSED,
        notes="Vigilance orange canicule déclenchée par la préfecture.",
    )
    entries = list(
        RegisterEntry.objects.filter(status=EntryStatus.REGISTERED)
        .select_related("extras")
        .order_by("birth_year", "pk")
    )
    return _called_campaign(
        rng, episode=episode, title="Appels canicule de juillet", entries=entries, officer=officer, caller=caller
    )


# What callers noted during the cold spell (nothing about health: what helps the next call).
CALLER_NOTES = [
    "Sa fille passe le mardi et le vendredi.",
    "Préfère être appelée le matin.",
    "Voisine attentive au 2e étage.",
    "Entend mal : laisser sonner longtemps.",
    "Portage de repas le midi.",
]


def seed_recent_cold_spell(rng: random.Random, *, today: datetime.date, officer: User, caller: User) -> dict:
    """A cold spell three weeks ago, closed, whose campaign called the people living alone: recent
    enough that its call log is still kept (VS_CAMPAIGN_CALL_LOG_DAYS), so the next campaign's call
    screen shows « Campagne précédente » with what the callers noted."""
    starts_on = today - datetime.timedelta(days=21)
    episode = Episode.objects.create(
        kind=EpisodeKind.COLD,
        level=EpisodeLevel.ORANGE,
        title="Grand froid de novembre" if starts_on.month == 11 else "Grand froid",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=3),
        declared_by=officer,
        status=EpisodeStatus.CLOSED,
        notes="Vigilance orange grand froid.",
    )
    entries = list(
        RegisterEntry.objects.filter(status=EntryStatus.REGISTERED, extras__lives_alone=True)
        .select_related("extras")
        .order_by("birth_year", "pk")
    )
    return _called_campaign(
        rng,
        episode=episode,
        title="Appels grand froid",
        entries=entries,
        officer=officer,
        caller=caller,
        isolated_only=True,
        notes=CALLER_NOTES,
    )


def _called_campaign(
    rng: random.Random,
    *,
    episode: Episode,
    title: str,
    entries: list,
    officer: User,
    caller: User,
    isolated_only: bool = False,
    notes: list[str] | None = None,
) -> dict:
    """A closed campaign of `episode` in which every one of `entries` was called over four days."""
    opened = timezone.make_aware(datetime.datetime.combine(episode.starts_on, datetime.time(9, 0)))
    campaign = Campaign.objects.create(
        episode=episode,
        title=title,
        status=CampaignStatus.CLOSED,
        created_at=opened,
        created_by=officer,
        questionnaire=Questionnaire.default(),
        isolated_only=isolated_only,
    )
    CampaignTransition.objects.bulk_create(
        CAMPAIGN_WORKFLOW.history(
            campaign,
            [
                Step(CampaignStatus.ACTIVE, by=officer, at=opened),
                Step(CampaignStatus.CLOSED, by=officer, at=opened + datetime.timedelta(days=4, hours=9)),
            ],
        )
    )
    targets, attempts, steps = [], [], []
    for rank, entry in enumerate(entries, 1):
        isolated = bool(getattr(entry, "extras", None) and entry.extras.lives_alone)
        target = CallTarget(
            campaign=campaign,
            entry=entry,
            priority=0 if isolated else 1,
            rank=rank,
            is_isolated=isolated,
            birth_year=entry.birth_year,
            quartier_id=entry.quartier_id,
            created_at=opened,
        )
        moment = opened + datetime.timedelta(minutes=rng.randint(0, 8 * 60))
        outcome = _weighted(rng, FIRST_CALL_OUTCOMES)
        plan = [outcome]
        if outcome in ("no_answer", "voicemail"):
            # Retry series: reached on a later try, or four failures and escalation.
            plan += ["no_answer"] * rng.randint(0, 2) + [rng.choice(["reached_fine", "reached_fine", "no_answer"])]
            if plan[-1] == "no_answer":
                plan += ["no_answer"] * (4 - len(plan)) if len(plan) < 4 else []
        for outcome_here in plan:
            attempts.append(
                (
                    target,
                    CallAttempt(
                        caller=caller if rng.random() < 0.5 else officer,
                        started_at=moment,
                        ended_at=moment + datetime.timedelta(minutes=rng.randint(2, 9)),
                        outcome=outcome_here,
                        answers={"temperature": rng.choice([24, 26, 27, 28, 29, 31]), "drinks": True}
                        if outcome_here.startswith("reached")
                        else {},
                        advice=["drink", "shutters"] if outcome_here.startswith("reached") else [],
                        actions=["fan"] if outcome_here == "reached_help" and rng.random() < 0.5 else [],
                        notes=rng.choice(notes) if notes and outcome_here.startswith("reached") else "",
                    ),
                )
            )
            moment += datetime.timedelta(hours=2)
        last = plan[-1]
        target.attempts_count = len(plan)
        target.last_outcome = last
        target.last_attempt_at = moment - datetime.timedelta(hours=2)
        if last.startswith("reached"):
            target.status = TargetStatus.REACHED
            target.reached_at = target.last_attempt_at
        elif last in ("absent", "hospitalised"):
            target.status = TargetStatus.CLOSED
        else:
            # Four failures (or a wrong number): escalated, then news obtained.
            target.status = TargetStatus.REACHED
            target.escalated_at = target.last_attempt_at
            target.reached_at = target.last_attempt_at + datetime.timedelta(hours=3)
            first_kind = (
                EscalationKind.EMERGENCY_CONTACT if entry.emergency_contact_name else EscalationKind.HOME_VISIT
            )
            steps.append(
                (
                    target,
                    EscalationStep(
                        kind=first_kind,
                        opened_at=target.escalated_at,
                        opened_by=officer,
                        done_by=officer,
                        done_at=target.reached_at,
                        result=EscalationResult.RESOLVED,
                        result_notes="Nouvelles rassurantes obtenues.",
                    ),
                )
            )
        targets.append(target)
    CallTarget.objects.bulk_create(targets, batch_size=500)
    for target, attempt in attempts:
        attempt.target = target
    CallAttempt.objects.bulk_create([a for _, a in attempts], batch_size=500)
    for target, step in steps:
        step.target = target
    EscalationStep.objects.bulk_create([s for _, s in steps], batch_size=500)
    campaign.targets_count = len(targets)
    campaign.save(update_fields=["targets_count"])
    return {
        "targets": len(targets),
        "attempts": len(attempts),
        "escalations": len(steps),
        "reached_help": sum(1 for _, a in attempts if a.outcome == Outcome.REACHED_NEEDS_HELP),
    }
