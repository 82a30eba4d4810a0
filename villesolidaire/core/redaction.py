"""Keys of no-login links kept out of the logs.

A link's key opens a page (an offer with a person's address, a sign-up, a sign-in) to whoever
holds it, so neither the access log nor the application log may hold one: query strings (the
sign-in link's `jeton`) are dropped, and the key segment of the link paths is masked.
Plain Python, no Django: gunicorn's access logger (config/gunicorn.conf.py) imports it too.
"""

import logging
import re

MASK = "[masqué]"

# The paths whose segment is a key (matching, needs, trainings, the SMS webhook) and Django's
# password set-up links for partners (`/partenaires/mot-de-passe/<uid>/<key>/`).
_KEY_SEGMENT = re.compile(
    r"(/(?:reponse|besoins/invitation|besoins/inscription|formations/invitation|webhooks/sms-campagnes"
    r"|partenaires/mot-de-passe/[^/?#\s\"]+)/)[^/?#\s\"]+"
)
_QUERY = re.compile(r"\?[^\s\"]*")


def redact(text: str) -> str:
    """`text` with every query string dropped and every link key masked."""
    if not text:
        return text
    return _KEY_SEGMENT.sub(lambda match: match.group(1) + MASK, _QUERY.sub("", text))


class RedactLinkKeys(logging.Filter):
    """Logging filter: the record's message, arguments applied, with link keys masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
