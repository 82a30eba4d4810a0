"""Input hygiene for what volunteers type: names, free text, contact details.

Django escapes everything it renders, so markup is not a security hole here; it is refused
because nobody has a legitimate reason to type it in a name or an address, and a clear
message is better than a record full of tags. Invisible characters (zero-width spaces,
bidirectional overrides, control codes) are refused because they make two identical-looking
names different and can reverse the displayed text.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumber_field.phonenumber import PhoneNumber

# Control, format (zero-width, bidi overrides), private use, surrogates, unassigned.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})
_ALLOWED_WHITESPACE = frozenset("\n\r\t")
_MARKUP = re.compile(r"[<>]")
_NAME_CHARS = re.compile(r"^[\w\s'’.\-]+$")
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalised, stripped text without markup or invisible characters."""
    value = unicodedata.normalize("NFC", value or "").strip()
    allowed = _ALLOWED_WHITESPACE if multiline else frozenset()
    if any(unicodedata.category(ch) in _INVISIBLE_CATEGORIES and ch not in allowed for ch in value):
        raise ValidationError(
            "Ce texte contient des caractères invisibles ou de contrôle (espace de largeur nulle, inversion du sens "
            "d'écriture…). Retapez-le sans copier-coller.",
            code="invisible",
        )
    if _MARKUP.search(value):
        raise ValidationError("Les caractères « < » et « > » ne sont pas autorisés.", code="markup")
    return re.sub(r"[ \u00a0]{2,}", " ", value)


def clean_person_name(value: str) -> str:
    value = clean_text(value)
    if value and (not _NAME_CHARS.match(value) or any(ch.isdigit() or ch == "_" for ch in value)):
        raise ValidationError(
            "Utilisez uniquement des lettres, des espaces, des traits d'union et des apostrophes.", code="name"
        )
    return value


def require_mobile(number: PhoneNumber | str | None) -> None:
    """SMS only reach mobiles: refuse a landline, which would silently never get the links."""
    if not number or not isinstance(number, PhoneNumber):
        return
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationError(
            "Indiquez un numéro de téléphone mobile (par exemple 06 12 34 56 78).", code="not_mobile"
        )
