"""Background work for needs: telling the relevant volunteers (can be thousands of messages)."""

from django_tasks import task


@task()
def notify_need_volunteers(need_id: int, by_id: int | None = None) -> int:
    from villesolidaire.needs.services import NeedError, need_notify_volunteers

    try:
        return len(need_notify_volunteers(need_id=need_id).volunteer_ids)
    except NeedError:
        # Unpublished or cancelled meanwhile: nobody to tell.
        return 0
