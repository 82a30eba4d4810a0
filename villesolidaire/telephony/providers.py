"""Each telephony's way of reporting a call, read into one `CallReport` (pure functions).

- `generic`: the provider-neutral JSON documented in docs/telephony.md;
- `asterisk`: what an Asterisk dialplan sends with CURL() (form fields named after its channel
  variables), the FreeSWITCH way being the same with curl in its dialplan.

Another provider is one more function here, named in PARSERS; nothing else changes.
"""

from dataclasses import dataclass

from villesolidaire.core.validation import phone_e164

STATES = {"ringing", "answered", "ended", "missed"}
# Asterisk's DIALSTATUS after Dial(): who never answered is a missed call.
ASTERISK_MISSED = {"NOANSWER", "BUSY", "CANCEL", "CONGESTION", "CHANUNAVAIL"}


class ReportError(ValueError):
    """A report we cannot read; the message is French and names the field."""


@dataclass(frozen=True)
class CallReport:
    call_id: str
    state: str
    caller: str  # E.164, or "" when withheld or unreadable
    called: str
    extension: str


def _text(data, name: str, max_length: int, required: bool = False) -> str:
    value = data.get(name, "")
    if not isinstance(value, str | int):
        raise ReportError(f"{name} : texte attendu.")
    value = str(value).strip()
    if required and not value:
        raise ReportError(f"{name} : obligatoire.")
    if len(value) > max_length:
        raise ReportError(f"{name} : {max_length} caractères au plus.")
    return value


def _number(data, name: str) -> str:
    return phone_e164(_text(data, name, 40)) or ""


def generic(data) -> CallReport:
    if not hasattr(data, "get"):
        raise ReportError("Un objet JSON est attendu.")
    state = _text(data, "state", 20) or "ringing"
    if state not in STATES:
        raise ReportError(f"state : l'une des valeurs {', '.join(sorted(STATES))}.")
    return CallReport(
        call_id=_text(data, "call_id", 120, required=True),
        state=state,
        caller=_number(data, "caller"),
        called=_number(data, "called"),
        extension=_text(data, "extension", 20),
    )


def asterisk(data) -> CallReport:
    """`uniqueid`, `callerid` (CALLERID(num)), `exten` (EXTEN), `agent` (the answering extension),
    `event` (ringing, answered, hangup) and on hangup `dialstatus` (DIALSTATUS)."""
    if not hasattr(data, "get"):
        raise ReportError("Des champs de formulaire sont attendus.")
    event = _text(data, "event", 20) or "ringing"
    if event == "hangup":
        state = "missed" if _text(data, "dialstatus", 20).upper() in ASTERISK_MISSED else "ended"
    elif event in ("ringing", "answered"):
        state = event
    else:
        raise ReportError("event : ringing, answered ou hangup.")
    return CallReport(
        call_id=_text(data, "uniqueid", 120, required=True),
        state=state,
        caller=_number(data, "callerid"),
        called=_number(data, "exten"),
        extension=_text(data, "agent", 20),
    )


PARSERS = {"generic": generic, "asterisk": asterisk}
