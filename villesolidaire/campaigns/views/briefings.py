"""Briefings (coordinators): wake the reserve when an episode starts, collect the answers,
reactivate those who said yes. The answer page of the e-mail needs no login."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import coordinator_required
from villesolidaire.campaigns.forms import BriefingForm
from villesolidaire.campaigns.models import Briefing, BriefingAnswer, BriefingRecipient
from villesolidaire.campaigns.services import CampaignError
from villesolidaire.campaigns.services import briefings as services
from villesolidaire.core import confirmation
from villesolidaire.core.http import by_link_token, form_status, link_expired_page, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors


@coordinator_required
def briefing_list(request: HttpRequest) -> HttpResponse:
    """The briefings sent, and the form of a new one (first POST: confirmation; second: send)."""
    form = BriefingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        episode, text = form.cleaned_data["episode"], form.cleaned_data["text"]
        audience = services.briefing_audience(
            statuses=form.cleaned_data["statuses"], quartiers=form.cleaned_data["quartiers"]
        )
        volunteer_ids = list(audience.values_list("pk", flat=True)[: services.MAX_RECIPIENTS + 1])
        token = request.POST.get(confirmation.FIELD, "")
        with form_service_errors(form, CampaignError, confirmation.SendNotConfirmed):
            if not token:
                if not volunteer_ids:
                    raise CampaignError("Aucun·e volontaire ne correspond à ces critères.")
                context = {
                    "episode": episode,
                    "audience": form.audience_label(),
                    "send": services.briefing_preview(episode=episode, volunteer_ids=volunteer_ids, text=text),
                    "hidden": confirmation.posted_again(request),
                    "action_url": request.path,
                    "cancel_url": request.path,
                }
                return render(request, "campaigns/briefing_confirm.html", context)
            briefing = services.briefing_send(
                episode=episode,
                volunteer_ids=volunteer_ids,
                text=text,
                audience=form.audience_label(),
                by=request.user,
                confirmation=token,
            )
            messages.success(request, f"Message envoyé à {len(volunteer_ids)} volontaires. Les réponses arrivent ici.")
            return redirect("campaigns:briefing_detail", briefing.pk)
    briefings = Briefing.objects.select_related("episode", "sent_by")
    page = paginate(request, briefings)
    return render(request, "campaigns/briefing_list.html", {"form": form, "page_obj": page}, status=form_status(form))


@coordinator_required
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = get_object_or_404(Briefing.objects.select_related("episode", "sent_by"), pk=pk)
    recipients = briefing.recipients.select_related("volunteer").order_by(
        "volunteer__last_name", "volunteer__first_name", "pk"
    )
    counts = {answer: 0 for answer in BriefingAnswer.values} | {"": 0}
    for answer in recipients.values_list("answer", flat=True):
        counts[answer] += 1
    context = {
        "briefing": briefing,
        "page_obj": paginate(request, recipients),
        "yes": counts[BriefingAnswer.YES],
        "no": counts[BriefingAnswer.NO],
        "silent": counts[""],
        "to_reactivate": services.to_reactivate(briefing).count(),
    }
    return render(request, "campaigns/briefing_detail.html", context)


@coordinator_required
@require_POST
def briefing_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = get_object_or_404(Briefing, pk=pk)
    result = services.briefing_reactivate(briefing=briefing, by=request.user)
    count = len(result.changed)
    messages.success(
        request, f"{count} volontaire{'s' if count > 1 else ''} de nouveau actif·ve{'s' if count > 1 else ''}."
    )
    if result.refused:
        details = " ; ".join(f"{volunteer} : {reason}" for volunteer, reason in result.refused[:20])
        messages.warning(request, f"{len(result.refused)} non réactivé·e(s) — {details}")
    return redirect("campaigns:briefing_detail", briefing.pk)


def briefing_answer(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the key of the e-mail's link answers this one briefing. GET only shows (link
    previews must not answer); the Oui/Non buttons POST."""
    recipient = by_link_token(BriefingRecipient.objects.select_related("briefing", "volunteer"), token)
    if services.answer_link_expired(recipient):
        return link_expired_page(request)
    if request.method == "POST":
        with service_errors(request, CampaignError):
            services.briefing_answer_record(recipient=recipient, answer=request.POST.get("reponse", ""))
            messages.success(request, "Merci, votre réponse est enregistrée.")
        return redirect(reverse("campaigns:briefing_answer", args=[recipient.token]))
    return render(request, "campaigns/briefing_answer.html", {"recipient": recipient, "briefing": recipient.briefing})
