"""French plurals in templates: `{{ n|plural }}`, where Django's `pluralize` is English (« 0 créneaux »)."""

from django import template

from villesolidaire.core.text import is_plural

register = template.Library()


@register.filter
def plural(value, suffixes: str = "s") -> str:
    """Like `pluralize` (same arguments: "x", "al,aux"), but 0 and 1 take the singular.

    `value` is a number or a sized collection; anything else reads as singular."""
    singular, _, plural_suffix = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    try:
        count = len(value) if hasattr(value, "__len__") and not isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return singular
    return plural_suffix if is_plural(count) else singular
