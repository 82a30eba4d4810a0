"""Sending messages and informing residents. Every message is logged (Message) and sent by a
background task after the surrounding transaction commits (the database queue's task row is
written in that transaction, see `_enqueue`)."""

import logging
import re

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from villesolidaire.notifications.models import (
    PERSONAL_LINK_PLACEHOLDER,
    CallTask,
    CallTaskStatus,
    Channel,
    Message,
    MessageStatus,
)
from villesolidaire.notifications.sms import to_gsm7, warn_if_long
from villesolidaire.notifications.tasks import send_message

logger = logging.getLogger(__name__)


class PersonalLink(str):
    """A link whose key opens a page without login (an offer, an invitation, a sign-in): put in
    a message's context, it goes out in the message but its stored text shows a placeholder."""


def _hide_links(body: str, links: list[str]) -> tuple[str, list[str]]:
    """The body with each of `links` replaced by the placeholder, and the links in body order."""
    if not links:
        return body, []
    found = []
    pattern = "|".join(re.escape(link) for link in sorted(set(links), key=len, reverse=True))

    def hide(match: re.Match) -> str:
        found.append(match.group())
        return PERSONAL_LINK_PLACEHOLDER

    return re.sub(pattern, hide, body), found


def message_queue(
    *, channel: str, recipient: str, body: str, kind: str, subject: str = "", links: list[str] = ()
) -> Message:
    """Store and queue a message; `links` (personal links) are sent but not kept in its text."""
    if channel == Channel.SMS:
        recipient = sms_recipient(recipient)
        body = to_gsm7(body.strip())
        # Longer SMS still go out (concatenated, billed per part); the log shows which kinds to shorten.
        warn_if_long(body, kind=kind)
    body, found = _hide_links(body, list(links))
    message = Message.objects.create(
        channel=channel,
        recipient=str(recipient)[:254],
        subject=subject[:200],
        body=body,
        personal_links="\n".join(found),
        kind=kind[:60],
    )
    _enqueue(message)
    return message


def sms_recipient(number) -> str:
    """E.164 form of a phone number (PhoneNumber or text). `str(PhoneNumber)` gives the
    national format, which providers do not accept; unparsable input is kept as typed so
    the provider's refusal is logged on the message."""
    as_e164 = getattr(number, "as_e164", None)
    if as_e164:
        return as_e164
    text = str(number or "").strip()
    try:
        parsed = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def message_resend(*, message: Message, by=None) -> bool:
    """Queue a RETRYING or FAILED message again with a fresh set of attempts (coordinator's
    "Renvoyer"). Returns False when the message was sent meanwhile or is already queued."""
    updated = (
        Message.objects.filter(pk=message.pk, status__in=(MessageStatus.RETRYING, MessageStatus.FAILED))
        .exclude(recipient=FORGOTTEN_RECIPIENT)
        .update(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=None, last_error="")
    )
    if not updated:
        return False
    message.refresh_from_db()
    logger.info("Message %s queued again by user %s", message.pk, getattr(by, "pk", None))
    _enqueue(message)
    return True


# The recipient of a message whose addressee asked to be forgotten (a register entry removed).
FORGOTTEN_RECIPIENT = ""


def messages_forget_recipient(*, recipient, kind_prefix: str) -> int:
    """Erase one number or address from the messages of the kinds starting with `kind_prefix`
    (the register campaigns' SMS when an entry is removed). A message not yet sent is cancelled:
    it is marked failed and can no longer be sent again. Returns how many messages were touched."""
    address = sms_recipient(recipient) if recipient else ""
    if not address:
        return 0
    rows = Message.objects.filter(recipient=address, kind__startswith=kind_prefix)
    rows.filter(status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING)).update(
        status=MessageStatus.FAILED,
        next_attempt_at=None,
        personal_links="",
        last_error="Annulé : le ou la destinataire a été radié·e du registre.",
    )
    return rows.update(recipient=FORGOTTEN_RECIPIENT)


def _enqueue(message: Message) -> None:
    """Queue the message's sending for when the surrounding transaction commits.

    The database queue writes its task row in that same transaction: queued now, it commits (or
    rolls back) with the message, in the one commit of the write that sends it. Any other queue
    (immediate in the tests, or a separate store) hears of it only once the message is committed.
    """
    message_id = message.pk
    if isinstance(send_message.get_backend(), DatabaseBackend):
        send_message.enqueue(message_id)
    else:
        transaction.on_commit(lambda: send_message.enqueue(message_id))


def _personal_links(context: dict) -> list[str]:
    return [value for value in context.values() if isinstance(value, PersonalLink)]


def email_send(*, to: str, subject: str, template: str, context: dict, kind: str) -> Message:
    """Render `template` (a .txt template) and queue it as an e-mail."""
    body = render_to_string(template, context)
    return message_queue(
        channel=Channel.EMAIL, recipient=to, body=body, kind=kind, subject=subject, links=_personal_links(context)
    )


def sms_send(*, to, template: str, context: dict, kind: str) -> Message:
    body = render_to_string(template, context)
    return message_queue(
        channel=Channel.SMS, recipient=sms_recipient(to), body=body, kind=kind, links=_personal_links(context)
    )


def contact_send(
    *, email: str = "", phone=None, subject: str, email_template: str, sms_template: str, context: dict, kind: str
) -> Message | None:
    """Reach a person by SMS when they have a mobile, else by e-mail."""
    if phone:
        return sms_send(to=phone, template=sms_template, context=context, kind=kind)
    if email:
        return email_send(to=email, subject=subject, template=email_template, context=context, kind=kind)
    return None


def resident_inform(*, resident, text: str, kind: str, help_request=None, support=None) -> Message | CallTask:
    """Tell a resident how their request progresses: SMS to a mobile, otherwise a call task
    in the operators' "à rappeler" queue (most residents have no mobile)."""
    if resident.sms_number:
        return message_queue(channel=Channel.SMS, recipient=sms_recipient(resident.sms_number), body=text, kind=kind)
    return call_task_create(resident=resident, reason=text, kind=kind, help_request=help_request, support=support)


def call_task_create(*, resident, reason: str, kind: str, help_request=None, support=None) -> CallTask:
    """A call for the operators' « à rappeler » queue (the resident is to be called, not texted)."""
    return CallTask.objects.create(
        resident=resident, reason=reason[:300], kind=kind[:60], help_request=help_request, support=support
    )


def call_task_done(*, call_task: CallTask, by, outcome: str) -> bool:
    """Record that an operator made the call. Returns False when someone else already did."""
    now = timezone.now()
    updated = CallTask.objects.filter(pk=call_task.pk, status=CallTaskStatus.OPEN).update(
        status=CallTaskStatus.DONE, done_at=now, done_by=by, outcome=outcome.strip()[:500]
    )
    if updated:
        call_task.refresh_from_db()
    return bool(updated)
