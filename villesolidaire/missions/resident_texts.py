"""What the resident is told after a mission's report, written from the recorded mission only.

Pure functions (no database): each text states the outcome the mission row holds — done on its
date, not done and why, cancelled, moved — and nothing else. A mission recorded done whose date is
still to come cannot be told as done: `UnrecordedEvent` is raised instead of a message that lies.
"""

from collections.abc import Callable
from datetime import datetime

from villesolidaire.missions.enums import MissedReason, MissionStatus

# Said to the resident in their words; no « · » (SMS are GSM-7) and nothing the volunteer typed.
MISSED_REASON_TEXTS = {
    MissedReason.RESIDENT_ABSENT: "personne absente au rendez-vous",
    MissedReason.RESIDENT_CANCELLED: "rendez-vous annulé de votre part",
    MissedReason.VOLUNTEER_PREVENTED: "empêchement de votre volontaire",
}


class UnrecordedEvent(ValueError):
    """The mission's record does not support the message that was about to be sent."""


def done_is_recorded(mission, now: datetime) -> bool:
    """Done, with the moment it was reported, on a date that has come (neither in the future nor
    before the mission's own start)."""
    return (
        mission.status == MissionStatus.DONE
        and mission.done_at is not None
        and mission.scheduled_at <= now
        and mission.scheduled_at <= mission.done_at
    )


def report_text(mission, *, volunteer_name: str, when: Callable[[datetime], str], hotline: str, now: datetime) -> str:
    """The resident's message for a mission just reported or cancelled. `when` formats a date
    ('mardi 3 mars à 14 h 30'); `hotline` is the CCAS number, or empty."""
    scheduled = when(mission.scheduled_at)
    if mission.status == MissionStatus.DONE:
        if not done_is_recorded(mission, now):
            raise UnrecordedEvent(f"Mission {mission.pk} is not recorded done on a date that has come.")
        return f"Votre volontaire {volunteer_name} a indiqué que l'aide du {scheduled} a bien eu lieu. Merci !"
    if mission.status == MissionStatus.MISSED:
        reason = MISSED_REASON_TEXTS.get(mission.missed_reason)
        why = f" ({reason})" if reason else ""
        if hotline:
            again = f"Pour convenir d'une autre date, appelez le CCAS au {hotline}."
        else:
            again = "Pour convenir d'une autre date, contactez le CCAS."
        told = f"l'aide prévue le {scheduled} n'a pas eu lieu{why}"
        return f"Votre volontaire {volunteer_name} a indiqué que {told}. {again}"
    if mission.status == MissionStatus.CANCELLED:
        return f"L'aide prévue le {scheduled} est annulée."
    raise UnrecordedEvent(f"Mission {mission.pk} has no reported outcome ({mission.status}).")


def moved_text(*, volunteer_name: str, before: str, after: str) -> str:
    """The resident's message when the coordinator accepted to move a mission."""
    return f"L'aide prévue le {before} est déplacée au {after}, avec {volunteer_name}, votre volontaire."
