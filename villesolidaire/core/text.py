"""Text normalisation shared by search, de-duplication and the geocoder."""

import re
import unicodedata

import phonenumbers

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIALABLE = re.compile(r"[^\d+]")


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


def french_phone(value) -> tuple[str, str]:
    """`(shown, dialable)` for a phone number however it is stored (E.164 text, PhoneNumber, typed).

    A French number is shown the way it is read aloud, « 01 99 00 71 71 »; a foreign one in its
    international form. Lenient on purpose: a number libphonenumber does not know as allocated
    (a fiction range, a new block) is still grouped and dialable, never hidden.
    """
    text = str(value or "").strip()
    digits = _DIALABLE.sub("", text)
    if not digits:
        return "", ""
    try:
        number = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return text, digits
    dialable = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 33 and len(str(number.national_number)) == 9:
        national = f"0{number.national_number}"
        return " ".join(national[i : i + 2] for i in range(0, 10, 2)), dialable
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL), dialable


def is_plural(count) -> bool:
    """French grammar: 0 and 1 take the singular (« 0 inscription », « 1,5 heure »), 2 and more the plural."""
    return abs(count) >= 2


def count_of(count: int, singular: str, plural: str = "") -> str:
    """« 0 personne », « 1 personne », « 292 personnes »; `plural` when it is not `singular` + s."""
    return f"{count} {(plural or singular + 's') if is_plural(count) else singular}"
