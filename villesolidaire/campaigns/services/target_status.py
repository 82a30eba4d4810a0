"""The status of one person in a campaign: every change is checked and logged."""

from datetime import datetime

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.enums import TargetStatus
from villesolidaire.campaigns.models import TARGET_WORKFLOW, CallTarget
from villesolidaire.core.hooks import Hook

call_escalated = Hook(
    "A person of a call campaign went into escalation (no answer, or the caller asked for it), in the same "
    "transaction: run(target=, at=). The API queues its webhooks (counts and ids only, never the person)."
)


def set_target_status(target: CallTarget, status: str, *, by: User | None, at: datetime, note: str = "") -> None:
    if status == target.status:
        return
    TARGET_WORKFLOW.apply(target, status, by=by, at=at, note=note[:300], lock=False)
    if status == TargetStatus.ESCALATED:
        call_escalated.run(target=target, at=at)
