"""What an offer message says about when and how urgent: short French phrases for one SMS.

Pure functions of the request's fields (no database), unit-tested in tests/matching/test_offer_text.py.
"""

import datetime

from villesolidaire.help_requests.enums import TimeWindow, Urgency

URGENCY_PHRASE = {
    Urgency.NORMAL: "dans la semaine",
    Urgency.HIGH: "URGENT (sous 48 h)",
    Urgency.CRITICAL: "TRÈS URGENT",
}
TIME_PHRASE = {
    TimeWindow.ANY: "",
    TimeWindow.MORNING: "le matin",
    TimeWindow.AFTERNOON: "l'après-midi",
    TimeWindow.EVENING: "en soirée",
}


def urgency_phrase(urgency: str) -> str:
    return URGENCY_PHRASE.get(urgency, URGENCY_PHRASE[Urgency.NORMAL])


def when_phrase(wished_start: datetime.date | None, time_window: str, today: datetime.date) -> str:
    """« dès le 14/07, le matin », « aujourd'hui, en soirée », « dès que possible »."""
    moment = TIME_PHRASE.get(time_window, "")
    if wished_start is None or wished_start <= today:
        day = "aujourd'hui" if wished_start == today else "dès que possible"
    elif wished_start == today + datetime.timedelta(days=1):
        day = "demain"
    else:
        day = f"dès le {wished_start:%d/%m}"
    return f"{day}, {moment}" if moment else day
