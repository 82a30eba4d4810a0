"""SMS sending: a small interface of ours with interchangeable backends.

`VS_SMS_BACKEND` names the class. Backends raise `SmsError` on failure; the sending task
then retries later. Provider adapters follow the providers' documented HTTP APIs.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# GSM 03.38 basic character set (+ the extension table, which costs two characters).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
_REPLACEMENTS = {"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ",
                 "\u202f": " ", "ê": "e", "ë": "e", "â": "a", "î": "i", "ï": "i", "ô": "o", "û": "u", "ç": "c", "È": "E",
                 "Ê": "E", "À": "A", "Â": "A", "Î": "I", "Ô": "O", "Û": "U", "œ": "oe", "Œ": "OE", "·": "."}


class SmsError(Exception):
    """The provider refused or could not be reached: the message will be retried."""


def to_gsm7(text: str) -> str:
    """Replace characters outside GSM-7 so a French SMS stays one 160-character segment."""
    return "".join(_REPLACEMENTS.get(ch, ch) if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED else ch for ch in text)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def gsm7_length(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


class BaseSmsBackend:
    def send(self, recipient: str, body: str) -> str:
        """Send one SMS to an E.164 number; return the provider's message id."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: prints the SMS where the worker runs."""

    def send(self, recipient: str, body: str) -> str:
        print(f"\n--- SMS à {recipient} ---\n{body}\n---", flush=True)  # noqa: T201
        return f"console-{timezone.now().timestamp()}"


class FileSmsBackend(BaseSmsBackend):
    """Appends each SMS as one JSON line to VS_SMS_FILE_PATH/sms.jsonl."""

    def send(self, recipient: str, body: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().isoformat()
        with (folder / "sms.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"to": recipient, "body": body, "at": stamp}, ensure_ascii=False) + "\n")
        return f"file-{stamp}"


@dataclass
class SentSms:
    recipient: str
    body: str


class MemorySmsBackend(BaseSmsBackend):
    """Tests: keeps messages in `MemorySmsBackend.outbox`; `fail_next` simulates outages."""

    outbox: list[SentSms] = []
    fail_next: int = 0

    def send(self, recipient: str, body: str) -> str:
        if MemorySmsBackend.fail_next > 0:
            MemorySmsBackend.fail_next -= 1
            raise SmsError("Prestataire indisponible (simulé)")
        MemorySmsBackend.outbox.append(SentSms(recipient, body))
        return f"memory-{len(MemorySmsBackend.outbox)}"


class BrevoSmsBackend(BaseSmsBackend):
    """Brevo transactional SMS: POST {api}/transactionalSMS/send with an `api-key` header."""

    def __init__(self, api_key: str | None = None, base_url: str | None = None, sender: str | None = None, timeout: float = 10):
        self.api_key = api_key or settings.BREVO_API_KEY
        self.base_url = (base_url or settings.BREVO_API_URL).rstrip("/")
        self.sender = (sender or settings.SMS_SENDER)[:11]
        self.timeout = timeout

    def send(self, recipient: str, body: str) -> str:
        payload = {
            "sender": self.sender,
            "recipient": recipient.lstrip("+"),
            "content": body,
            "type": "transactional",
            "unicodeEnabled": not is_gsm7(body),
        }
        try:
            response = requests.post(
                f"{self.base_url}/transactionalSMS/send",
                json=payload,
                headers={"api-key": self.api_key, "accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsError(f"Brevo injoignable : {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            raise SmsError(f"Brevo a refusé l'envoi (HTTP {response.status_code}) : {response.text[:200]}")
        try:
            return str(response.json().get("messageId", ""))
        except ValueError as exc:
            raise SmsError("Réponse de Brevo illisible") from exc


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
