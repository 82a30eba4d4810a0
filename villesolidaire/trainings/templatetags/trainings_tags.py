from django import template

from villesolidaire.accounts.perms import is_coordinator
from villesolidaire.trainings.selectors import volunteer_summary

register = template.Library()


@register.inclusion_tag("trainings/_volunteer_trainings.html", takes_context=True)
def volunteer_trainings(context, volunteer):
    """A volunteer's trainings and upcoming sessions. For the volunteer themself (volunteer
    space): with the sessions open to registration and the buttons (three queries). For a
    coordinator (volunteer detail page): read-only with links to the sessions (two queries).
    Anyone else sees nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or volunteer is None:
        return {"visible": False}
    own = user.is_authenticated and volunteer.user_id == user.pk
    staff = not own and is_coordinator(user)
    if not own and not staff:
        return {"visible": False}
    summary = volunteer_summary(volunteer, with_open_sessions=own)
    return {
        "visible": True,
        "own": own,
        "staff": staff,
        "volunteer": volunteer,
        "trainings": summary.trainings,
        "registrations": summary.registrations,
        "open_sessions": summary.open_sessions,
        "csrf_token": context.get("csrf_token"),
    }
