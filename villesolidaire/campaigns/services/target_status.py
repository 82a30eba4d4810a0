"""The status of one person in a campaign: every change is checked and logged."""

from datetime import datetime

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.models import TARGET_WORKFLOW, CallTarget, CallTargetTransition


def set_target_status(target: CallTarget, status: str, *, by: User | None, at: datetime, note: str = "") -> None:
    if status == target.status:
        return
    TARGET_WORKFLOW.check(target.status, status)
    CallTargetTransition.objects.create(
        target=target, from_status=target.status, to_status=status, by=by, at=at, note=note[:300]
    )
    target.status = status
