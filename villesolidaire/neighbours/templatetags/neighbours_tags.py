from django import template

from villesolidaire.neighbours.models import Network

register = template.Library()


@register.inclusion_tag("neighbours/_referent_networks_panel.html")
def referent_networks(volunteer) -> dict:
    """The volunteer space's « Mes réseaux de voisinage » section; empty for non-referents (one query)."""
    return {"networks": list(Network.objects.for_referent(volunteer).only("pk", "name", "status"))}
