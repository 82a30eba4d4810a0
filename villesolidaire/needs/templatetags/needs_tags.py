from django import template

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
