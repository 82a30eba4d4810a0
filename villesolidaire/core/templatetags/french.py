"""French typography helpers for templates."""

from django import template
from django.utils.html import format_html

from villesolidaire.core.text import french_phone, with_de

register = template.Library()


@register.filter
def de(value) -> str:
    """« de Marcel », « d'Odette », « d'Épicerie solidaire… » (elision before a vowel)."""
    return with_de(str(value))


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
