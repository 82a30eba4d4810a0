"""Background sending. A failed attempt is retried with a growing delay; after
NOTIFICATION_MAX_ATTEMPTS the message is marked failed and listed for coordinators.

Nothing is lost when a provider is down: the Message row is written before any attempt and
always ends SENT, RETRYING (with `next_attempt_at`) or FAILED. Retries run either as deferred
tasks (backends that support `run_after`, such as the database backend) or through
`manage.py retry_messages`, which the worker loop or cron calls: both go through
`deliver_message`, whose claim makes a message go out once even if both fire together.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

from villesolidaire.core import retries
from villesolidaire.notifications.models import Channel, Message, MessageStatus
from villesolidaire.notifications.sms import SmsError, SmsPermanentError, get_sms_backend

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
# While an attempt runs, `next_attempt_at` is pushed this far ahead so that no other runner
# sends the same message; if the worker dies mid-send, the message becomes due again after it.
SENDING_LEASE = timedelta(minutes=10)
# A QUEUED message still untouched after this long lost its task (e.g. the process stopped
# between the commit and the enqueue): `retry_messages` sends it.
STALE_QUEUED_AFTER = timedelta(minutes=15)
PENDING_STATUSES = (MessageStatus.QUEUED, MessageStatus.RETRYING)


def retry_delay(attempts: int) -> timedelta:
    return retries.retry_delay(RETRY_DELAYS, attempts)


@task()
def send_message(message_id: int) -> str:
    return deliver_message(message_id)


def deliver_message(message_id: int) -> str:
    """One sending attempt. Returns the message's new status, or "skipped" when there is
    nothing to do (already sent or failed, not yet due, or being sent by another runner)."""
    if not retries.claim_attempt(
        Message.objects, message_id, waiting=PENDING_STATUSES, lease=SENDING_LEASE, now=timezone.now()
    ):
        return retries.SKIPPED
    message = Message.objects.get(pk=message_id)
    try:
        provider_id = _deliver(message)
    except Exception as exc:  # any provider error: never lose the message
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
        permanent = isinstance(exc, SmsPermanentError)
        if permanent or message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = None
        else:
            message.status = MessageStatus.RETRYING
            message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
        message.save(update_fields=["last_error", "status", "next_attempt_at"])
        logger.warning(
            "Message %s (%s, %s) not sent, attempt %s, now %s: %s",
            message.pk,
            message.channel,
            message.kind,
            message.attempts,
            message.status,
            message.last_error,
        )
        if message.status == MessageStatus.RETRYING:
            schedule_retry(message)
        return message.status
    message.status = MessageStatus.SENT
    message.provider_id = (provider_id or "")[:120]
    message.sent_at = timezone.now()
    message.next_attempt_at = None
    message.last_error = ""
    message.personal_links = ""  # sent: its links need not be kept, even encrypted
    message.save(update_fields=["provider_id", "status", "sent_at", "next_attempt_at", "last_error", "personal_links"])
    logger.info("Message %s (%s, %s) sent, attempt %s", message.pk, message.channel, message.kind, message.attempts)
    return message.status


def schedule_retry(message: Message) -> None:
    """Queue the next attempt at `next_attempt_at` when the task backend can defer.

    Backends that cannot defer (tests, immediate mode) rely on `manage.py retry_messages`.
    """
    if send_message.get_backend().supports_defer:
        send_message.using(run_after=message.next_attempt_at).enqueue(message.pk)


def due_messages(now=None):
    """Messages a retry run should attempt now: RETRYING and due, or QUEUED and forgotten."""
    now = now or timezone.now()
    due = retries.due(
        queued=MessageStatus.QUEUED, retrying=MessageStatus.RETRYING, stale_after=STALE_QUEUED_AFTER, now=now
    )
    return Message.objects.filter(due).order_by("next_attempt_at", "pk")


def _deliver(message: Message) -> str:
    if message.channel == Channel.SMS:
        return get_sms_backend().send(message.recipient, message.outgoing_body())
    email = EmailMessage(subject=message.subject, body=message.outgoing_body(), to=[message.recipient])
    sent = email.send(fail_silently=False)
    if not sent:
        raise SmsError("Le serveur de messagerie n'a pas accepté le message.")
    return f"email-{message.pk}"
