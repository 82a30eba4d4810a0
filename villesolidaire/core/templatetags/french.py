"""French typography helpers for templates."""

from django import template

from villesolidaire.core.text import with_de

register = template.Library()


@register.filter
def de(value) -> str:
    """« de Marcel », « d'Odette », « d'Épicerie solidaire… » (elision before a vowel)."""
    return with_de(str(value))
