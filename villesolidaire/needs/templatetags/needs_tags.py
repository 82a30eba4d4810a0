from django import template

from villesolidaire.needs.selectors import volunteer_hours, volunteer_upcoming_signups

register = template.Library()


@register.inclusion_tag("needs/_volunteer_shifts.html")
def volunteer_shifts(volunteer):
    """Upcoming shift sign-ups and hours done, for the volunteer space (three queries)."""
    hours, shifts_done = volunteer_hours(volunteer)
    return {"upcoming": list(volunteer_upcoming_signups(volunteer)), "hours": hours, "shifts_done": shifts_done}
