"""What the campaign views share: access for callers, fetching a campaign."""

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from villesolidaire.accounts.perms import caller_required
from villesolidaire.campaigns.models import Campaign
from villesolidaire.campaigns.services import accreditations


def accredited_caller_required(view):
    """Caller screens: the register officer or caller role (strict guard), then an active accreditation."""

    @caller_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not accreditations.is_accredited(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def campaign_or_404(pk: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("episode", "questionnaire", "created_by"), pk=pk)
