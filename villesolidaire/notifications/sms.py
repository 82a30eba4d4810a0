"""SMS sending: a small interface of ours with interchangeable backends.

`VS_SMS_BACKEND` names the class. Backends raise `SmsError` on failure; the sending task
then retries later. Provider adapters follow the providers' documented HTTP APIs.
"""

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# GSM 03.38 basic character set (+ the extension table, which costs two characters).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
# French typography that GSM-7 lacks, mapped to its closest GSM-7 look-alike. Accented letters
# GSM-7 does have (é è à ù ì ò É Ç Ä Ö Ñ Ü ä ö ñ ü) are kept as they are.
_REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‹": "'",
    "›": "'",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "ê": "e",
    "ë": "e",
    "â": "a",
    "á": "a",
    "î": "i",
    "ï": "i",
    "í": "i",
    "ô": "o",
    "ó": "o",
    "û": "u",
    "ú": "u",
    "ÿ": "y",
    "ç": "c",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "À": "A",
    "Â": "A",
    "Î": "I",
    "Ï": "I",
    "Ô": "O",
    "Û": "U",
    "Ù": "U",
    "Ÿ": "Y",
    "œ": "oe",
    "Œ": "OE",
    "·": ".",
    "•": "-",
    "°": "o",
    "\u200b": "",
    "\ufeff": "",
}

# One SMS carries 160 GSM-7 characters; a concatenated SMS carries 153 per part (the rest is
# the concatenation header). Outside GSM-7 the message goes as UCS-2: 70, then 67 per part.
SMS_GSM7_SINGLE = 160
SMS_GSM7_PART = 153
SMS_UCS2_SINGLE = 70
SMS_UCS2_PART = 67


class SmsError(Exception):
    """The provider refused or could not be reached: the message will be retried."""


class SmsPermanentError(SmsError):
    """The provider rejected this message for good (bad number, bad request): retrying is pointless."""


def _gsm7_char(ch: str) -> str:
    if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    # Other accented Latin letters: drop the accent (ã → a). Anything else (emoji, other
    # scripts) becomes "?" so the SMS stays in GSM-7 and the reader sees something is missing.
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if stripped and all(c in GSM7_BASIC for c in stripped):
        return stripped
    if unicodedata.category(ch)[0] in ("Z",):
        return " "
    if unicodedata.category(ch)[0] == "C":
        return ""
    return "?"


_GUILLEMETS = re.compile(r"«\s*|\s*»")


def to_gsm7(text: str) -> str:
    """Rewrite `text` in the GSM-7 alphabet so a French SMS is not sent as UCS-2 (70 characters
    per SMS instead of 160). Accents GSM-7 has are kept; the others are simplified."""
    # « texte » becomes "texte": the French spaces inside guillemets would look odd around ".
    text = _GUILLEMETS.sub('"', text)
    return "".join(_gsm7_char(ch) for ch in text)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def gsm7_length(text: str) -> int:
    """Length in GSM-7 septets: characters of the extension table (€, [, ]…) count twice."""
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def sms_parts(text: str) -> int:
    """How many SMS the provider will bill for `text` (concatenated SMS count per part)."""
    if is_gsm7(text):
        length, single, part = gsm7_length(text), SMS_GSM7_SINGLE, SMS_GSM7_PART
    else:
        length, single, part = len(text), SMS_UCS2_SINGLE, SMS_UCS2_PART
    if length <= single:
        return 1
    return -(-length // part)


def fits_one_sms(text: str) -> bool:
    """Whether `text`, once rewritten in GSM-7, is a single 160-character SMS."""
    return sms_parts(to_gsm7(text)) == 1


def warn_if_long(text: str, *, kind: str = "") -> int:
    """Log a warning when an SMS needs several parts; it is still sent (concatenated).
    Returns the number of parts."""
    parts = sms_parts(text)
    if parts > 1:
        logger.warning(
            "SMS %r is %s GSM-7 characters long: sent as %s concatenated parts.", kind, gsm7_length(text), parts
        )
    return parts


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
        stamp = timezone.now().isoformat()
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
    """Brevo transactional SMS: POST {api}/transactionalSMS/send with an `api-key` header.

    Answer: {"messageId": …}. Server errors, timeouts and rate limiting (429) are temporary
    (`SmsError`, retried); other 4xx answers mean the request itself is wrong (invalid number,
    bad sender) and retrying cannot help (`SmsPermanentError`).
    """

    TEMPORARY_STATUSES = {408, 425, 429}

    def __init__(
        self, api_key: str | None = None, base_url: str | None = None, sender: str | None = None, timeout: float = 10
    ):
        self.api_key = api_key or settings.BREVO_API_KEY
        self.base_url = (base_url or settings.BREVO_API_URL).rstrip("/")
        # Brevo: an alphanumeric sender has at most 11 characters.
        self.sender = (sender or settings.SMS_SENDER)[:11]
        self.timeout = timeout

    def send(self, recipient: str, body: str) -> str:
        if not self.api_key:
            raise SmsError("Clé d'API Brevo absente (VS_BREVO_API_KEY).")
        payload = {
            "sender": self.sender,
            # Brevo wants the international number without "+" (e.g. 33612345678).
            "recipient": recipient.strip().lstrip("+"),
            "content": body,
            "type": "transactional",
            "unicodeEnabled": not is_gsm7(body),
        }
        try:
            response = requests.post(
                f"{self.base_url}/transactionalSMS/send",
                json=payload,
                headers={"api-key": self.api_key, "accept": "application/json", "content-type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsError(f"Brevo injoignable : {exc.__class__.__name__}") from exc
        if response.status_code >= 300:
            detail = f"Brevo a refusé l'envoi (HTTP {response.status_code}) : {response.text[:200]}"
            if 400 <= response.status_code < 500 and response.status_code not in self.TEMPORARY_STATUSES:
                raise SmsPermanentError(detail)
            raise SmsError(detail)
        try:
            message_id = response.json().get("messageId")
        except (ValueError, AttributeError):
            message_id = None
        if message_id in (None, ""):
            # Accepted (2xx) but without an id: retrying would text the person twice.
            logger.warning("Brevo accepted an SMS without a messageId: %s", response.text[:200])
            return ""
        return str(message_id)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
