"""Sending webhook deliveries in the background (docs/api.md, « Webhooks »).

Nothing is lost when a receiver is down: the delivery row is written with the change that made the
event, then each attempt ends DELIVERED, RETRYING (with `next_attempt_at`) or FAILED after
MAX_ATTEMPTS. Retries run as deferred tasks where the backend can defer, and through
`manage.py retry_webhooks` (the 5-minute jobs); the claim makes one runner send each attempt.
"""

import logging
import time
from datetime import timedelta

import requests
from django.utils import timezone
from django_tasks import task

from villesolidaire.api.models import DeliveryStatus, WebhookDelivery
from villesolidaire.api.signing import body_of, signature
from villesolidaire.core import retries

logger = logging.getLogger(__name__)

RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
TIMEOUT_SECONDS = 10
# While an attempt runs, `next_attempt_at` is pushed this far ahead so no other runner sends it too.
SENDING_LEASE = timedelta(minutes=5)
# A PENDING delivery untouched this long lost its task (the process stopped after the commit).
STALE_PENDING_AFTER = timedelta(minutes=10)
WAITING_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


@task()
def send_webhook(delivery_id: int) -> str:
    return deliver(delivery_id)


def enqueue(delivery_id: int, run_after=None) -> None:
    (send_webhook.using(run_after=run_after) if run_after else send_webhook).enqueue(delivery_id)


def deliver(delivery_id: int) -> str:
    """One attempt. Returns the delivery's new status, or "skipped" (already done, not due, or
    being sent by another runner)."""
    if not retries.claim_attempt(
        WebhookDelivery.objects, delivery_id, waiting=WAITING_STATUSES, lease=SENDING_LEASE, now=timezone.now()
    ):
        return retries.SKIPPED
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    body = body_of({**delivery.payload, "delivery": delivery.pk})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "VilleSolidaire-Webhooks/1",
        "X-VS-Event": delivery.event,
        "X-VS-Delivery": str(delivery.pk),
        "X-VS-Signature": signature(delivery.subscription.secret, int(time.time()), body),
    }
    try:
        response = requests.post(
            delivery.subscription.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        return _failed(delivery, None, f"{error.__class__.__name__} : adresse de réception injoignable")
    if 200 <= response.status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.response_status = response.status_code
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
        delivery.save(update_fields=["status", "response_status", "delivered_at", "next_attempt_at", "last_error"])
        return delivery.status
    return _failed(delivery, response.status_code, f"Réponse HTTP {response.status_code}")


def _failed(delivery: WebhookDelivery, status_code: int | None, error: str) -> str:
    delivery.response_status = status_code
    delivery.last_error = error[:300]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = timezone.now() + retries.retry_delay(RETRY_DELAYS, delivery.attempts)
    delivery.save(update_fields=["response_status", "last_error", "status", "next_attempt_at"])
    # The delivery, its event and the error only: no payload, no address, no secret in the log.
    logger.warning(
        "Webhook delivery %s (%s) not received, attempt %s, now %s: %s",
        delivery.pk,
        delivery.event,
        delivery.attempts,
        delivery.status,
        delivery.last_error,
    )
    if delivery.status == DeliveryStatus.RETRYING and send_webhook.get_backend().supports_defer:
        enqueue(delivery.pk, run_after=delivery.next_attempt_at)
    return delivery.status


def due_deliveries(now=None):
    """Deliveries a retry run sends now: due retries, and pending ones whose task was lost."""
    now = now or timezone.now()
    due = retries.due(
        queued=DeliveryStatus.PENDING, retrying=DeliveryStatus.RETRYING, stale_after=STALE_PENDING_AFTER, now=now
    )
    return WebhookDelivery.objects.filter(due).order_by("next_attempt_at", "pk")
