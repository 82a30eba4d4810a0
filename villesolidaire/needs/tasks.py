"""Background work for needs: telling the relevant volunteers (can be thousands of messages).

The task runs `services.need_notify_volunteers`; `need_notify_schedule` queues it. Services
never import this module (it imports them): views call `need_notify_schedule`.
"""

from django.db import transaction
from django_tasks import task

from villesolidaire.needs.models import Need
from villesolidaire.needs.services import NeedError, check_may_notify, need_notify_volunteers


def need_notify_schedule(*, need: Need, by) -> None:
    """Queue the invitations: the background task selects and tells the volunteers."""
    check_may_notify(need)
    need_id, by_id = need.pk, getattr(by, "pk", None)
    transaction.on_commit(lambda: notify_need_volunteers.enqueue(need_id, by_id))


@task()
def notify_need_volunteers(need_id: int, by_id: int | None = None) -> int:
    try:
        return len(need_notify_volunteers(need_id=need_id).volunteer_ids)
    except NeedError:
        # Unpublished or cancelled meanwhile: nobody to tell.
        return 0
