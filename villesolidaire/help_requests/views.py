from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import coordinator_required, is_coordinator, operator_required, quartier_aware
from villesolidaire.core import limits
from villesolidaire.core.htmx import render_partial_or_page
from villesolidaire.core.http import form_status
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.crises.forms import EpisodeLinkForm
from villesolidaire.help_requests import services
from villesolidaire.help_requests.enums import Channel, Status
from villesolidaire.help_requests.filters import OPEN, HelpRequestFilter
from villesolidaire.help_requests.forms import (
    NEW,
    HelpRequestForm,
    IntakeResidentForm,
    PublicRequestForm,
    TransitionForm,
    new_person_initial,
)
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.residents.forms import ResidentSearchForm
from villesolidaire.residents.models import Resident

PUBLIC_SESSION_KEY = "public_request_number"
TRANSITION_VERBS = {
    Status.QUALIFIED: "Marquer comme qualifiée",
    Status.SEARCHING: "Rechercher un·e volontaire",
    Status.SUPPORTED: "Soutien en place",
    Status.CLOSED: "Clôturer",
}


def _request_or_404(request: HttpRequest, pk: int) -> HelpRequest:
    queryset = HelpRequest.objects.visible_to(request.user).with_list_data().select_related("created_by", "episode")
    return get_object_or_404(queryset, pk=pk)


# Hotline intake -------------------------------------------------------------------------------


def _intake_matches(search: ResidentSearchForm, residents, chosen: str) -> list[Resident]:
    """Search results, plus the file already chosen (?resident= link, or a form sent back with errors)."""
    matches = search.results(residents)
    if chosen.isdigit() and all(str(r.pk) != chosen for r in matches):
        matches = list(residents.filter(pk=chosen).select_related("quartier")) + matches
    return matches


def _default_choice(request: HttpRequest, matches: list[Resident]) -> str:
    """Preselect only when unambiguous: the file asked for, or the one file the search found
    (by phone or by name); creating a new file for it then asks for a confirmation."""
    chosen = request.GET.get("resident", "")
    if chosen and any(str(r.pk) == chosen for r in matches):
        return chosen
    if not matches:
        return NEW
    return str(matches[0].pk) if len(matches) == 1 else ""


def _with_duplicates(matches: list[Resident], duplicates: list[Resident]) -> list[Resident]:
    """The likely duplicates named by the form come first, so that one click picks the file."""
    shown = {r.pk for r in duplicates}
    return duplicates + [r for r in matches if r.pk not in shown]


@operator_required
def intake(request: HttpRequest) -> HttpResponse:
    residents = Resident.objects.visible_to(request.user).active()
    search = ResidentSearchForm(request.GET or None, auto_id="recherche_%s")
    search.fields["q"].widget.attrs["autofocus"] = True
    chosen = request.POST.get("resident", "") if request.method == "POST" else request.GET.get("resident", "")
    matches = _intake_matches(search, residents, chosen)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    if request.method == "POST":
        person_form = IntakeResidentForm(request.POST, residents=residents)
        request_form = HelpRequestForm(request.POST)
        if person_form.is_valid() & request_form.is_valid():
            help_request = services.help_request_intake(
                resident=person_form.cleaned_data["existing"],
                new_person=person_form.new_person_data(),
                data=request_form.cleaned_data,
                channel=request_form.cleaned_data["channel"],
                by=request.user,
            )
            messages.success(request, f"Demande n° {help_request.pk} enregistrée pour {help_request.resident}.")
            return redirect("help_requests:detail", pk=help_request.pk)
        choice = request.POST.get("resident", "")
        matches = _with_duplicates(matches, person_form.duplicates)
        status = 400  # the forms shown again with their errors
    else:
        status = 200
        choice = _default_choice(request, matches)
        person_form = IntakeResidentForm(initial=new_person_initial(query), residents=residents)
        request_form = HelpRequestForm(initial={"channel": Channel.HOTLINE})
    context = {
        "search": search,
        "matches": matches,
        "choice": choice,
        "person_form": person_form,
        "request_form": request_form,
        "forms_with_errors": [person_form, request_form],
    }
    return render_partial_or_page(
        request, "help_requests/_intake_results.html", "help_requests/intake.html", context, status=status
    )


# Staff list and detail ------------------------------------------------------------------------


@operator_required
@quartier_aware
def request_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = OPEN
    queryset = HelpRequest.objects.visible_to(request.user).with_list_data().by_priority()
    filterset = HelpRequestFilter(data, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    page = paginate(request, rows)
    return render(request, "help_requests/list.html", {"filter": filterset, "page_obj": page})


@operator_required
@quartier_aware
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _request_or_404(request, pk)
    return render(request, "help_requests/detail.html", _detail_context(request, help_request, TransitionForm()))


def _detail_context(
    request: HttpRequest,
    help_request: HelpRequest,
    transition_form: TransitionForm,
    episode_form: EpisodeLinkForm | None = None,
) -> dict:
    if episode_form is None and is_coordinator(request.user):
        episode_form = EpisodeLinkForm(current=help_request.episode)
    return {
        "help_request": help_request,
        "resident": help_request.resident,
        "transitions": help_request.transitions.select_related("by"),
        # Reverse relation: missions sits above this app.
        "supports": help_request.supports.select_related("volunteer"),
        "actions": [
            (target, TRANSITION_VERBS.get(target, label)) for target, label in help_request.allowed_transitions
        ],
        "transition_form": transition_form,
        "episode_form": episode_form,  # coordinators only
    }


@operator_required
@require_POST
@quartier_aware
def request_transition(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _request_or_404(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            services.help_request_transition(
                help_request=help_request,
                target=form.cleaned_data["target"],
                by=request.user,
                note=form.cleaned_data["note"],
                closure_reason=form.cleaned_data["closure_reason"],
            )
            messages.success(request, f"La demande est maintenant « {help_request.get_status_display()} ».")
            return redirect("help_requests:detail", pk=help_request.pk)
    return render(request, "help_requests/detail.html", _detail_context(request, help_request, form), status=400)


@coordinator_required
@require_POST
@quartier_aware
def request_episode(request: HttpRequest, pk: int) -> HttpResponse:
    """Change or clear the crisis episode the request counts under (its supports and missions follow)."""
    help_request = _request_or_404(request, pk)
    form = EpisodeLinkForm(request.POST, current=help_request.episode)
    if not form.is_valid():
        context = _detail_context(request, help_request, TransitionForm(), episode_form=form)
        return render(request, "help_requests/detail.html", context, status=400)
    episode = form.cleaned_data["episode"]
    services.help_request_set_episode(help_request=help_request, episode=episode, by=request.user, request=request)
    messages.success(
        request, f"Demande rattachée à l'épisode « {episode} »." if episode else "Demande rattachée à aucun épisode."
    )
    return redirect("help_requests:detail", pk=help_request.pk)


@operator_required
@quartier_aware
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = _request_or_404(request, pk)
    if help_request.status == Status.CLOSED:
        messages.error(request, "Cette demande est clôturée : elle ne peut plus être modifiée.")
        return redirect("help_requests:detail", pk=help_request.pk)
    form = HelpRequestForm(request.POST or None, instance=HelpRequest.objects.get(pk=help_request.pk))
    if request.method == "POST" and form.is_valid():
        with service_errors(request, ValidationError):
            services.help_request_update(help_request=help_request, data=form.cleaned_data)
            messages.success(request, "La demande a été mise à jour.")
        return redirect("help_requests:detail", pk=help_request.pk)
    return render(request, "help_requests/edit.html", {"help_request": help_request, "form": form})


# Public form ----------------------------------------------------------------------------------


def public_form(request: HttpRequest) -> HttpResponse:
    form = PublicRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = limits.hit(request, "public_form", recipients=limits.contacts(form, "any_phone", "reporter_phone"))
        if wait:
            return limits.refuse_form(request, "help_requests/public_form.html", {"form": form}, form=form, wait=wait)
        help_request = services.help_request_submit_public(
            person=form.person_data(), data=form.request_data(), for_someone_else=form.for_someone_else
        )
        request.session[PUBLIC_SESSION_KEY] = help_request.pk
        return redirect("help_requests:public_confirmation")
    return render(request, "help_requests/public_form.html", {"form": form}, status=form_status(form))


def public_confirmation(request: HttpRequest) -> HttpResponse:
    # The number travels in the session, not the URL: nobody can browse other people's requests.
    number = request.session.get(PUBLIC_SESSION_KEY)
    if number is None:
        return redirect("help_requests:public_form")
    return render(request, "help_requests/public_confirmation.html", {"number": number})
