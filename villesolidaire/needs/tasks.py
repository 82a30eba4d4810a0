"""Background work for needs: telling the relevant volunteers (can be thousands of messages).

The task runs `services.need_notify_volunteers` for one approved NeedNotification;
`need_notify_schedule` queues it. Services never import this module (it imports them): views
call `need_notify_schedule` after `services.need_notify_request` or an approval.
"""

from django.db import transaction
from django_tasks import task

from villesolidaire.needs.models import NeedNotification, NotificationStatus
from villesolidaire.needs.services import NeedError, need_notify_volunteers


def need_notify_schedule(*, notification: NeedNotification) -> bool:
    """Queue an approved send (after commit); one waiting for a coordinator is not queued."""
    if notification.status != NotificationStatus.APPROVED or notification.sent_at is not None:
        return False
    notification_id = notification.pk
    transaction.on_commit(lambda: notify_need_volunteers.enqueue(notification_id))
    return True


@task()
def notify_need_volunteers(notification_id: int) -> int:
    try:
        return len(need_notify_volunteers(notification_id=notification_id).volunteer_ids)
    except NeedError:
        # Unpublished, cancelled or already sent meanwhile: nobody to tell.
        return 0
