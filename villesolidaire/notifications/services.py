"""Sending messages and informing residents. Every message is logged (Message) and sent by a
background task after the surrounding transaction commits."""

from django.db import transaction
from django.template.loader import render_to_string

from villesolidaire.notifications.models import CallTask, Channel, Message
from villesolidaire.notifications.sms import to_gsm7
from villesolidaire.notifications.tasks import send_message


def message_queue(*, channel: str, recipient: str, body: str, kind: str, subject: str = "") -> Message:
    if channel == Channel.SMS:
        body = to_gsm7(body.strip())
    message = Message.objects.create(channel=channel, recipient=str(recipient), subject=subject[:200], body=body, kind=kind)
    transaction.on_commit(lambda: send_message.enqueue(message.pk))
    return message


def email_send(*, to: str, subject: str, template: str, context: dict, kind: str) -> Message:
    """Render `template` (a .txt template) and queue it as an e-mail."""
    body = render_to_string(template, context)
    return message_queue(channel=Channel.EMAIL, recipient=to, body=body, kind=kind, subject=subject)


def sms_send(*, to, template: str, context: dict, kind: str) -> Message:
    body = render_to_string(template, context)
    return message_queue(channel=Channel.SMS, recipient=str(to), body=body, kind=kind)


def contact_send(*, email: str = "", phone=None, subject: str, email_template: str, sms_template: str, context: dict, kind: str) -> Message | None:
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
        return message_queue(channel=Channel.SMS, recipient=str(resident.sms_number), body=text, kind=kind)
    return CallTask.objects.create(
        resident=resident, reason=text[:300], kind=kind, help_request=help_request, support=support
    )
