"""Webhooks: the events a town's application subscribes to, signed, retried, journaled.

An event is queued in the transaction of the change that makes it (a hook of the lower app), one
`WebhookDelivery` per subscription whose key may read it (scope and the role's querysets), and
sent after the commit by the task queue. Each POST is signed:

    X-VS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<unix time>.<body>" with the secret>

A receiver recomputes the HMAC and refuses a time more than 5 minutes away (replayed requests).
A failed attempt (network error, timeout, any status but 2xx) is tried again after 1 minute,
5 minutes, 30 minutes, 2 hours and 6 hours (tasks.py); then the delivery is « En échec » and
listed on the key's page, where « Renvoyer » sends it again. Payloads carry identifiers, statuses and the API
address of the object, never a person's name, phone or address.
"""

from django.db import transaction
from django.utils import timezone

from villesolidaire.api import access
from villesolidaire.api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from villesolidaire.api.scopes import READ, allows
from villesolidaire.api.tasks import enqueue

# The kind of object each event is about: its scope, and the querysets of access.py.
EVENT_KINDS = {
    WebhookEvent.REQUEST_CREATED: "help_requests",
    WebhookEvent.SUPPORT_STARTED: "missions",
    WebhookEvent.MISSION_DONE: "missions",
    WebhookEvent.CALL_ESCALATED: "campaigns",
    WebhookEvent.NEED_FULL: "needs",
}
VISIBLE_ROWS = {
    WebhookEvent.REQUEST_CREATED: access.help_requests,
    WebhookEvent.SUPPORT_STARTED: access.supports,
    WebhookEvent.MISSION_DONE: access.missions,
    WebhookEvent.CALL_ESCALATED: access.campaigns,
    WebhookEvent.NEED_FULL: access.needs,
}


def queue_event(event: str, row, data: dict, *, at=None) -> list[WebhookDelivery]:
    """One delivery per active subscription to `event` whose key may read `row`; sent after commit."""
    now = timezone.now()
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(
            is_active=True, key__revoked_at__isnull=True, key__expires_at__gt=now
        ).select_related("key__account")
        if event in subscription.events and _may_read(subscription, event, row)
    ]
    if not subscriptions:
        return []
    payload = {"event": event, "occurred_at": (at or now).isoformat(), "data": data}
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=subscription, event=event, payload=payload) for subscription in subscriptions]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    return deliveries


def _may_read(subscription: WebhookSubscription, event: str, row) -> bool:
    key = subscription.key
    if not allows(key.scopes, EVENT_KINDS[event], READ):
        return False
    return VISIBLE_ROWS[event](key.account).filter(pk=row.pk).exists()


@transaction.atomic
def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """« Renvoyer »: the same event again, as a new delivery (the first one stays in the log)."""
    again = WebhookDelivery.objects.create(
        subscription=delivery.subscription, event=delivery.event, payload=delivery.payload, replay_of=delivery
    )
    transaction.on_commit(lambda: enqueue(again.pk))
    return again


# The events, as the lower apps' hooks give them (connected in ApiConfig.ready) ------------------


def _api_url(path: str) -> str:
    return f"/api/v1/{path}"


def on_help_request_created(*, help_request) -> None:
    queue_event(
        WebhookEvent.REQUEST_CREATED,
        help_request,
        {
            "id": help_request.pk,
            "status": help_request.status,
            "category": help_request.category.slug if help_request.category_id else None,
            "urgency": help_request.urgency,
            "channel": help_request.channel,
            "quartier": help_request.resident.quartier_id,
            "episode": help_request.episode_id,
            "url": _api_url(f"help-requests/{help_request.pk}/"),
        },
        at=help_request.created_at,
    )


def on_support_started(*, support) -> None:
    queue_event(
        WebhookEvent.SUPPORT_STARTED,
        support,
        {
            "id": support.pk,
            "help_request": support.help_request_id,
            "kind": support.kind,
            "url": _api_url(f"supports/{support.pk}/"),
        },
        at=support.started_at,
    )


def on_mission_done(*, mission) -> None:
    queue_event(
        WebhookEvent.MISSION_DONE,
        mission,
        {
            "id": mission.pk,
            "support": mission.support_id,
            "duration_minutes": mission.duration_minutes,
            "url": _api_url(f"missions/{mission.pk}/"),
        },
        at=mission.done_at,
    )


def on_call_escalated(*, target, at) -> None:
    # Never the person: the campaign and its episode; the counts are at the campaign's address.
    campaign = target.campaign
    queue_event(
        WebhookEvent.CALL_ESCALATED,
        campaign,
        {"campaign": campaign.pk, "episode": campaign.episode_id, "url": _api_url(f"campaigns/{campaign.pk}/")},
        at=at,
    )


def on_need_full(*, need) -> None:
    queue_event(
        WebhookEvent.NEED_FULL,
        need,
        {"id": need.pk, "organisation": need.organisation_id, "url": _api_url(f"needs/{need.pk}/")},
    )
