"""Confirming a send to several people: one way for every action that sends more than one message.

The page that prepares a send shows how many people will receive it and the rendered text,
with a « Confirmer l'envoi » button that posts back a token. The token is a signature over
what was shown (the action, the recipients, the text) and expires after `MAX_AGE`. The send
service recomputes it over what it is about to send and refuses (`SendNotConfirmed`) when it
does not match: without the confirmation page nothing is sent, and a list that changed since
it was shown (someone else sent meanwhile, a filter moved) must be confirmed again.

    token = confirmation_token(action="sms_wave", recipients=ids, text=body)    # the view, shown
    check_confirmation(action="sms_wave", recipients=ids, text=body, token=token)  # the service

A single recipient needs no confirmation (a one-to-one message is what the page says it is).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest

SALT = "villesolidaire.core.confirmation"
MAX_AGE = 60 * 60  # seconds: a confirmation page left open longer is shown again
FIELD = "confirmation"


class SendNotConfirmed(Exception):
    """A send to several people without a valid confirmation; the message is French."""


@dataclass(frozen=True)
class SendPreview:
    """What the confirmation page shows: how many people, which text, and the token to post."""

    count: int
    text: str
    token: str
    channel_note: str = ""


def _digest(action: str, recipients: Iterable, text: str) -> str:
    keys = sorted(str(recipient) for recipient in recipients)
    payload = "\x1f".join([action, text, *keys]).encode()
    return hashlib.sha256(payload).hexdigest()


def confirmation_token(*, action: str, recipients: Iterable, text: str = "") -> str:
    """The token the confirmation page posts back; binds the action, the recipients and the text."""
    return signing.dumps(_digest(action, recipients, text), salt=SALT, compress=False)


def needs_confirmation(recipients: Iterable) -> bool:
    return len(list(recipients)) > 1


def check_confirmation(*, action: str, recipients: Iterable, text: str = "", token: str) -> None:
    """Refuse a send to several people unless `token` confirms exactly these recipients and text."""
    recipients = list(recipients)
    if not needs_confirmation(recipients):
        return
    if not token:
        raise SendNotConfirmed(
            f"Envoi non effectué : confirmez l'envoi à {len(recipients)} personnes après avoir relu le message."
        )
    try:
        digest = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise SendNotConfirmed(
            "Envoi non effectué : la confirmation a expiré. Vérifiez à nouveau puis confirmez."
        ) from exc
    except signing.BadSignature as exc:
        raise SendNotConfirmed("Envoi non effectué : confirmation non reconnue.") from exc
    if digest != _digest(action, recipients, text):
        raise SendNotConfirmed(
            "Envoi non effectué : la liste des destinataires ou le message a changé depuis votre vérification. "
            "Relisez-les puis confirmez à nouveau."
        )


def preview(*, action: str, recipients: Iterable, text: str, channel_note: str = "") -> SendPreview:
    recipients = list(recipients)
    return SendPreview(
        count=len(recipients),
        text=text,
        token=confirmation_token(action=action, recipients=recipients, text=text),
        channel_note=channel_note,
    )


def posted_again(request: HttpRequest) -> list[tuple[str, str]]:
    """The fields of the POST being confirmed, to post them again with the token (hidden inputs)."""
    return [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", FIELD)
        for value in request.POST.getlist(name)
    ]
