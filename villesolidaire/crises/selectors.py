"""Reads on crisis episodes that other apps share."""

from datetime import date

from villesolidaire.crises.models import Episode


def episode_for(day: date, quartier) -> Episode | None:
    """The episode under way on `day` over `quartier` (a Quartier, its id, or None for a place
    outside every quartier): an episode without quartiers covers the whole town. When several
    match, the one that started last wins. One query; None when no episode matches."""
    return Episode.objects.ongoing(day).covering(quartier).order_by("-starts_on", "-pk").first()
