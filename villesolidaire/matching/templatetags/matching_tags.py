"""Sections the matching app contributes to other apps' pages.

The support list (missions) shows the requests left without an answer: missions sits below
matching and cannot import its selectors, so its template asks matching for the rows.
"""

from django import template

from villesolidaire.matching import selectors

register = template.Library()


@register.simple_tag
def requests_awaiting_volunteer(limit: int):
    """The first `limit` requests searching a volunteer with nobody left to answer."""
    return selectors.requests_awaiting_volunteer()[:limit]
