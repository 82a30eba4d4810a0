"""Text normalisation shared by search, de-duplication and the geocoder."""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse punctuation to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def tokens(text: str) -> list[str]:
    return [token for token in fold(text).split(" ") if token]


_ELIDING_INITIALS = frozenset("aeiouyAEIOUYàâäéèêëîïôöùûüÿÀÂÄÉÈÊËÎÏÔÖÙÛÜŸ")


def with_de(name: str) -> str:
    """The preposition "de" before a name, elided before a vowel: "d'Odette", "de Marcel"."""
    name = (name or "").strip()
    return f"d'{name}" if name[:1] in _ELIDING_INITIALS else f"de {name}"
