"""French typography helpers for templates."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from villesolidaire.core.html import sanitise_html
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


# A French number written in free text: 01 99 00 60 30, 01.99.00.60.30, +33 1 99 00 60 30.
_NUMBER_IN_TEXT = re.compile(r"(?<![\d+])(?:\+33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")


@register.filter
def tel_links(text) -> str:
    """Free text (« SAAD du Val — 01 99 00 60 30 ») escaped, with each French number in it made a
    dialable link, so a caller can ring the home-care service shown on the screen."""
    escaped = str(escape(text or ""))
    return mark_safe(_NUMBER_IN_TEXT.sub(lambda m: str(tel_link(m.group(0))), escaped))


@register.filter
def percent(share) -> str:
    """A share between 0 and 1 as a French whole percentage (« 62 % »); « — » when there is none."""
    if share is None or share == "":
        return "—"
    return f"{round(float(share) * 100)}\u00a0%"


@register.filter
def score(mean) -> str:
    """A mean note out of 5 with one decimal, French comma (« 4,3 / 5 »); « — » when there is none."""
    if mean is None or mean == "":
        return "—"
    return f"{float(mean):.1f}".replace(".", ",") + "\u00a0/\u00a05"


@register.filter
def safe_subset(value) -> str:
    """HTML from elsewhere (an imported description), cleaned again as it is shown."""
    return mark_safe(sanitise_html(str(value or "")))  # noqa: S308 - sanitised by nh3 just above
