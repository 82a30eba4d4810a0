from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from villesolidaire.accounts.perms import coordinator_required
from villesolidaire.core import confirmation
from villesolidaire.core.http import by_link_token, form_status, link_expired_page, posted
from villesolidaire.core.service_errors import service_errors
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.matching import scoring, services
from villesolidaire.matching.forms import ProposeForm
from villesolidaire.matching.models import Proposal, ProposalOffer
from villesolidaire.matching.selectors import (
    match_context,
    rank_for_context,
    requests_awaiting_volunteer,
    training_exclusions,
    volunteers_lacking_training,
)
from villesolidaire.matching.services import Outcome
from villesolidaire.missions.enums import SupportStatus
from villesolidaire.missions.models import Support
from villesolidaire.missions.services import support_link_issue
from villesolidaire.trainings import services as training_services
from villesolidaire.trainings.forms import VolunteerChoiceForm
from villesolidaire.trainings.models import TrainingModule
from villesolidaire.trainings.views import chosen_volunteers, invite_volunteers
from villesolidaire.volunteers.models import Volunteer

# Volunteers offered at most when inviting those who lack a required training.
INVITE_LIMIT = 50

MAX_POINTS = scoring.W_DISTANCE + scoring.W_SKILLS + scoring.W_AVAILABILITY + scoring.W_LANGUAGE + scoring.W_CONTINUITY


def _explained(explanation) -> list[dict]:
    """Each line with its points; a line that counts for nothing (points None) shows none."""
    return [
        {
            "label": label,
            "points": "" if points is None else scoring.fr_points(points),
            "negative": points is not None and points < 0,
        }
        for label, points in explanation
    ]


@coordinator_required
def request_matching(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = get_object_or_404(
        HelpRequest.objects.select_related("resident", "resident__quartier", "category").prefetch_related(
            "category__skills"
        ),
        pk=pk,
    )
    widen = (request.POST.get("widen") if request.method == "POST" else request.GET.get("elargir")) in (
        "1",
        "True",
        "on",
    )
    context = match_context(help_request, widen=widen)
    candidates = rank_for_context(context)
    form = ProposeForm(posted(request), candidates=candidates, initial={"widen": widen})
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["volunteers"])
        if len(chosen) > 1 and not request.POST.get(confirmation.FIELD):
            return _confirm_proposal(request, help_request, form, widen)
        with service_errors(request, services.ProposalError, confirmation.SendNotConfirmed):
            _proposal, offers = services.proposal_create(
                help_request=help_request,
                candidates=[c for c in candidates if c.volunteer_id in chosen],
                by=request.user,
                message=form.cleaned_data["message"],
                confirmation=request.POST.get(confirmation.FIELD, ""),
            )
            messages.success(
                request, f"Proposition envoyée à {len(offers)} volontaire{'s' if len(offers) > 1 else ''}."
            )
        url = reverse("matching:request_matching", args=[help_request.pk])
        return redirect(f"{url}?elargir=1" if widen else url)

    proposals = list(
        help_request.proposals.select_related("created_by").prefetch_related(
            Prefetch("offers", queryset=ProposalOffer.objects.select_related("volunteer").order_by("-score", "pk"))
        )
    )
    # The latest answer of each volunteer already asked, so nobody is asked twice by mistake.
    asked = {}
    for proposal in reversed(proposals):
        asked.update({offer.volunteer_id: offer for offer in proposal.offers.all()})
    volunteers = Volunteer.objects.in_bulk([c.volunteer_id for c in candidates])
    rows = [
        {
            "candidate": c,
            "volunteer": volunteers.get(c.volunteer_id),
            "score": scoring.fr_number(c.score, 0),
            "meter": max(0.0, c.score),
            "distance": scoring.fr_number(c.distance_km) if c.distance_km is not None else None,
            "explanation": _explained(c.explanation),
            "asked": asked.get(c.volunteer_id),
        }
        for c in candidates
    ]
    return render(
        request,
        "matching/request_matching.html",
        {
            "help_request": help_request,
            "rows": rows,
            "form": form,
            "widen": widen,
            # Unlocated request: distance is unknown and scores nobody, so the meter's top drops its share.
            "located": context.has_position,
            "max_points": MAX_POINTS if context.has_position else MAX_POINTS - scoring.W_DISTANCE,
            "proposals": proposals,
            # This request's own state only: other requests waiting are on the supports' list.
            "awaiting": requests_awaiting_volunteer().filter(pk=help_request.pk),
            "can_propose": help_request.status in services.PROPOSABLE_STATUSES,
            "training_exclusions": _training_exclusions(help_request, context, widen),
        },
        status=400 if request.method == "POST" else 200,
    )


def _confirm_proposal(request: HttpRequest, help_request: HelpRequest, form: ProposeForm, widen: bool) -> HttpResponse:
    """The confirmation step: how many volunteers, and the SMS they will read."""
    chosen = sorted(form.cleaned_data["volunteers"])
    message = form.cleaned_data["message"]
    url = reverse("matching:request_matching", args=[help_request.pk])
    return render(
        request,
        "matching/propose_confirm.html",
        {
            "help_request": help_request,
            "message": message,
            "send": services.proposal_preview(help_request=help_request, volunteer_ids=chosen, message=message),
            "hidden": confirmation.posted_again(request),
            "action_url": url,
            "cancel_url": f"{url}?elargir=1" if widen else url,
        },
    )


def _training_exclusions(help_request, context, widen: bool) -> list[dict]:
    """Per required module: how many otherwise matching volunteers lack it, and the page that
    invites them to its next session (only for categories that require trainings)."""
    if not context.required_trainings:
        return []
    modules = {module.bit: module for module in help_request.category.required_trainings.all()}
    rows = []
    for exclusion in training_exclusions(context).modules:
        url = reverse("matching:invite_for_training", args=[modules[exclusion.bit].pk, help_request.pk])
        rows.append(
            {
                "title": exclusion.title,
                "count": exclusion.count,
                "invite_url": f"{url}?elargir=1" if widen else url,
            }
        )
    return rows


def offer_response(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token in the SMS or e-mail link is the volunteer's key to this one offer.
    GET only shows (link previews must not answer); the buttons POST."""
    offer = by_link_token(
        ProposalOffer.objects.select_related(
            "volunteer",
            "proposal__help_request__category",
            "proposal__help_request__resident__quartier",
        ),
        token,
    )
    if services.offer_link_expired(offer):
        return link_expired_page(request)
    result = None
    if request.method == "POST":
        answer = request.POST.get("reponse")
        if answer == "accepter":
            result = services.offer_accept(offer=offer)
        elif answer == "refuser":
            result = services.offer_decline(offer=offer)
        else:
            messages.error(request, "Réponse non reconnue : choisissez « J'accepte » ou « Je ne peux pas ».")
        if result is not None:
            offer = result.offer
    offer.refresh_from_db(fields=["status", "responded_at"])
    proposal = Proposal.objects.get(pk=offer.proposal_id)
    support = None
    if offer.status == "accepted":
        support = getattr(result, "support", None) or _support_of(proposal)
    help_request = offer.proposal.help_request
    return render(
        request,
        "matching/offer_response.html",
        # The accepting volunteer goes on to the support's own pages (reports, another date)
        # with a key to that support only: no magic link to ask for (missions.SupportLink).
        {
            "offer": offer,
            "proposal": proposal,
            "answerable": services.proposal_answerable(proposal),
            "help_request": help_request,
            "result": result.outcome.value if result else None,
            "outcomes": {o.name: o.value for o in Outcome},
            "support": support,
            "first_mission": support.missions.order_by("scheduled_at").first() if support else None,
            "support_link": support_link_issue(support=support)
            if support and support.status == SupportStatus.ACTIVE
            else "",
            "suggested": request.GET.get("reponse") if request.GET.get("reponse") in ("accepter", "refuser") else None,
        },
    )


def _support_of(proposal):
    return Support.objects.select_related("resident").filter(proposal=proposal).first()


@coordinator_required
def invite_for_training(request: HttpRequest, module_pk: int, request_pk: int) -> HttpResponse:
    """From the matching page: the volunteers who would match this help request but lack the
    module, best first; the coordinator ticks and invites them to the next session."""
    module = get_object_or_404(TrainingModule, pk=module_pk)
    help_request = get_object_or_404(
        HelpRequest.objects.select_related("resident", "category").prefetch_related("category__skills"),
        pk=request_pk,
    )
    widen = (request.POST.get("widen") if request.method == "POST" else request.GET.get("elargir")) in ("1", "on")
    context = match_context(help_request, widen=widen)
    ids = volunteers_lacking_training(context, module.bit, limit=INVITE_LIMIT)
    by_id = Volunteer.objects.in_bulk(ids)
    volunteers = [by_id[volunteer_id] for volunteer_id in ids if volunteer_id in by_id]
    matching_url = reverse("matching:request_matching", args=[help_request.pk])
    if request.method == "POST":
        form, chosen = chosen_volunteers(request, Volunteer.objects.filter(pk__in=ids))
        back = f"{matching_url}?elargir=1" if widen else matching_url
        sent = form.is_valid() and invite_volunteers(request, module, chosen, cancel_url=back)
        if isinstance(sent, HttpResponse):
            return sent
        if sent:
            return redirect(back)
    else:
        form = VolunteerChoiceForm(volunteers=volunteers, initial={"volunteers": [v.pk for v in volunteers]})
    return render(
        request,
        "matching/invite_for_training.html",
        {
            "module": module,
            "help_request": help_request,
            "volunteers": volunteers,
            "form": form,
            "widen": widen,
            "matching_url": matching_url,
            "next_session": training_services.next_session_with_places(module),
            "limit": INVITE_LIMIT,
        },
        status=form_status(form),
    )
