import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from villesolidaire.needs.selectors import volunteer_hours, volunteer_upcoming_signups

register = template.Library()


@register.inclusion_tag("needs/_volunteer_shifts.html")
def volunteer_shifts(volunteer):
    """Upcoming shift sign-ups and hours done, for the volunteer space (three queries)."""
    hours, shifts_done = volunteer_hours(volunteer)
    return {
        "upcoming": list(volunteer_upcoming_signups(volunteer)),
        "hours": hours_label(hours),
        "shifts_done": shifts_done,
    }


def hours_label(hours) -> str:
    """2.50 → "2,5", 3.00 → "3": French decimal comma, no trailing zeros."""
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@register.filter
def shift_period(shift) -> str:
    """« samedi 14 juin 2025, 09:00 – 12:30 »; a night shift « samedi 14 juin 2025, 22:00 – dimanche
    15 juin, 02:00 »; over several days (an imported mission) « du 15 juin 2030 au 15 septembre 2030 »."""
    starts, ends = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    day_and_start = f"{date_format(starts, 'l j F Y')}, {date_format(starts, 'H:i')}"
    if starts.date() == ends.date():
        return f"{day_and_start} – {date_format(ends, 'H:i')}"
    if ends - starts < datetime.timedelta(days=1):
        return f"{day_and_start} – {date_format(ends, 'l j F')}, {date_format(ends, 'H:i')}"
    return f"du {date_format(starts, 'j F Y')} au {date_format(ends, 'j F Y')}"
