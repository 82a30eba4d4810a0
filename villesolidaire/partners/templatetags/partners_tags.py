from django import template

from villesolidaire.partners.hours import opening_hours_fr

register = template.Library()


@register.filter
def horaires(value) -> str:
    """Opening hours in OSM syntax, in French (see partners.hours)."""
    return opening_hours_fr(str(value or ""))
