"""French typography helpers for templates."""

import re

import phonenumbers
from django import template
from django.utils.html import format_html

from villesolidaire.core.text import with_de

register = template.Library()

_DIALABLE = re.compile(r"[^\d+]")


@register.filter
def de(value) -> str:
    """« de Marcel », « d'Odette », « d'Épicerie solidaire… » (elision before a vowel)."""
    return with_de(str(value))


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


@register.filter
def phone(value) -> str:
    """A number as a French reader expects it: « 06 12 34 56 78 »."""
    return french_phone(value)[0]


@register.filter
def tel_link(value) -> str:
    """A dialable link showing the French spacing: <a href="tel:+33612345678">06 12 34 56 78</a>."""
    shown, dialable = french_phone(value)
    if not shown:
        return ""
    return format_html('<a href="tel:{}" class="tel">{}</a>', dialable, shown)
