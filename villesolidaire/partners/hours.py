"""Opening hours in OpenStreetMap `opening_hours` syntax (what data·inclusion asks for), read
aloud in French for residents: "Mo-Fr 09:00-12:00,14:00-17:30; PH off" →
"du lundi au vendredi, 9 h – 12 h et 14 h – 17 h 30 ; fermé les jours fériés".

Only the common forms are translated; anything else is shown as typed rather than guessed.
"""

import re

DAYS = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
}
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_TIME_RANGE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)-([01]?\d|2[0-4]):([0-5]\d)$")


def _time(hours: str, minutes: str) -> str:
    return f"{int(hours)} h" + (f" {minutes}" if minutes != "00" else "")


def _days(text: str) -> str | None:
    parts = []
    for chunk in text.split(","):
        match = _DAY_RANGE.match(chunk.strip())
        if not match:
            return None
        first, last = match.groups()
        parts.append(f"du {DAYS[first]} au {DAYS[last]}" if last else DAYS[first])
    return ", ".join(parts)


def _times(text: str) -> str | None:
    if text == "off":
        return "fermé"
    ranges = []
    for chunk in text.split(","):
        match = _TIME_RANGE.match(chunk.strip())
        if not match:
            return None
        start_h, start_m, end_h, end_m = match.groups()
        ranges.append(f"{_time(start_h, start_m)} – {_time(end_h, end_m)}")
    return " et ".join(ranges)


def _rule(rule: str) -> str | None:
    if rule == "24/7":
        return "tous les jours, 24 h sur 24"
    if rule == "PH off":
        return "fermé les jours fériés"
    days, _, times = rule.partition(" ")
    if not times:
        # Times alone apply every day.
        every_day = _times(days)
        return f"tous les jours, {every_day}" if every_day else None
    days_fr, times_fr = _days(days), _times(times.strip())
    if days_fr is None or times_fr is None:
        return None
    return f"{days_fr} : {times_fr}"


def opening_hours_fr(value: str) -> str:
    """French reading of `value`, or `value` itself when a part is not understood."""
    value = (value or "").strip()
    rules = [rule.strip() for rule in value.split(";") if rule.strip()]
    spoken = [_rule(rule) for rule in rules]
    if not rules or any(part is None for part in spoken):
        return value
    return " ; ".join(spoken)
