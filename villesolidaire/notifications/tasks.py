"""Background sending. A failed attempt is retried with a growing delay; after
NOTIFICATION_MAX_ATTEMPTS the message is marked failed and listed for coordinators."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from villesolidaire.notifications.models import Channel, Message, MessageStatus
from villesolidaire.notifications.sms import SmsError, get_sms_backend

logger = logging.getLogger(__name__)

RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[min(attempts - 1, len(RETRY_DELAYS) - 1)]


@task()
def send_message(message_id: int) -> str:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status in (MessageStatus.SENT, MessageStatus.FAILED):
            return "skipped"
        message.attempts += 1
        try:
            message.provider_id = _deliver(message)[:120]
        except Exception as exc:  # any provider error: never lose the message
            message.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
            if message.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
                message.next_attempt_at = None
            else:
                message.status = MessageStatus.RETRYING
                message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("Message %s not sent (attempt %s): %s", message.pk, message.attempts, message.last_error)
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            message.next_attempt_at = None
            message.last_error = ""
            message.save(update_fields=["attempts", "provider_id", "status", "sent_at", "next_attempt_at", "last_error"])
            return "sent"
    if message.status == MessageStatus.RETRYING:
        schedule_retry(message)
    return message.status


def schedule_retry(message: Message) -> None:
    backend_task = send_message
    if backend_task.get_backend().supports_defer:
        backend_task.using(run_after=message.next_attempt_at).enqueue(message.pk)
    # Backends that cannot defer (tests, immediate mode) rely on `manage.py retry_messages`.


def _deliver(message: Message) -> str:
    if message.channel == Channel.SMS:
        return get_sms_backend().send(message.recipient, message.body)
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.recipient])
    sent = email.send(fail_silently=False)
    if not sent:
        raise SmsError("Le serveur de messagerie n'a pas accepté le message.")
    return f"email-{message.pk}"
