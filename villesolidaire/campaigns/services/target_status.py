"""The status of one person in a campaign: every change is checked and logged."""

from datetime import datetime

from villesolidaire.accounts.models import User
from villesolidaire.campaigns.models import TARGET_WORKFLOW, CallTarget


def set_target_status(target: CallTarget, status: str, *, by: User | None, at: datetime, note: str = "") -> None:
    if status == target.status:
        return
    TARGET_WORKFLOW.apply(target, status, by=by, at=at, note=note[:300], lock=False)
