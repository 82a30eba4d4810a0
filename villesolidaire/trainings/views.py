"""Training pages: coordinators (gestion/formations/…), the volunteer's own trainings
(mon-espace/formations/…) and the invitation link that needs no login."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import coordinator_required, volunteer_required
from villesolidaire.core import confirmation
from villesolidaire.core.http import by_link_token, form_status, link_expired_page, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.text import count_of
from villesolidaire.trainings import selectors, services
from villesolidaire.trainings.enums import ACTIVE_STATUSES, RegistrationStatus, SessionStatus
from villesolidaire.trainings.forms import (
    AttendanceForm,
    CancelSessionForm,
    CompletionForm,
    ModuleChoiceForm,
    TrainingModuleForm,
    TrainingSessionForm,
    VolunteerChoiceForm,
    VolunteerSearchForm,
)
from villesolidaire.trainings.models import SessionRegistration, TrainingInvitation, TrainingModule, TrainingSession
from villesolidaire.trainings.services import TrainingError
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.forms import bulk_selection, filter_params
from villesolidaire.volunteers.models import Volunteer
from villesolidaire.volunteers.services import BULK_MAX

SEARCH_RESULTS = 20


def _search_volunteers(request: HttpRequest):
    """Up to SEARCH_RESULTS volunteers (not withdrawn) matching the name typed in ?q=."""
    form = VolunteerSearchForm(request.GET or None)
    if not form.is_valid() or not form.cleaned_data["q"].strip():
        return form, []
    found = (
        Volunteer.objects.not_withdrawn().search_name(form.cleaned_data["q"]).order_by("last_name", "first_name", "pk")
    )
    return form, list(found[:SEARCH_RESULTS])


def chosen_volunteers(request: HttpRequest, queryset=None):
    """The volunteers ticked in a POST (field `volunteers`), only among those still reachable."""
    ids = [value for value in request.POST.getlist("volunteers") if value.isdigit()][:500]
    queryset = Volunteer.objects.not_withdrawn() if queryset is None else queryset
    volunteers = list(queryset.filter(pk__in=ids))
    form = VolunteerChoiceForm(request.POST, volunteers=volunteers)
    return form, volunteers


# Modules ----------------------------------------------------------------------------------------


@coordinator_required
def module_list(request: HttpRequest) -> HttpResponse:
    modules = selectors.modules_with_figures()
    page = paginate(request, modules)
    return render(request, "trainings/module_list.html", {"page_obj": page})


@coordinator_required
def module_create(request: HttpRequest) -> HttpResponse:
    return _module_form(request, TrainingModule())


@coordinator_required
def module_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _module_form(request, get_object_or_404(TrainingModule, pk=pk))


def _module_form(request: HttpRequest, module: TrainingModule) -> HttpResponse:
    form = TrainingModuleForm(posted(request), instance=module)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TrainingError):
            module = services.module_save(
                module=form.save(commit=False), categories=form.cleaned_data["required_for_categories"]
            )
            messages.success(request, f"Module « {module} » enregistré.")
            return redirect("trainings:module_detail", module.pk)
    return render(request, "trainings/module_form.html", {"form": form, "module": module}, status=form_status(form))


@coordinator_required
def module_detail(request: HttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(TrainingModule.objects.prefetch_related("required_for_categories"), pk=pk)
    sessions = paginate(request, selectors.module_sessions(module))
    return render(
        request,
        "trainings/module_detail.html",
        {
            "module": module,
            "page_obj": sessions,
            "holder_count": selectors.holders(module).values("volunteer").distinct().count(),
            "expiring_count": selectors.expiring_soon(module).count(),
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
            "now": timezone.now(),
        },
    )


@coordinator_required
@require_POST
def module_delete(request: HttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(TrainingModule, pk=pk)
    with service_errors(request, TrainingError) as outcome:
        services.module_delete(module=module)
    if outcome.failed:
        return redirect("trainings:module_detail", module.pk)
    messages.success(request, f"Module « {module} » supprimé.")
    return redirect("trainings:module_list")


@coordinator_required
def module_holders(request: HttpRequest, pk: int) -> HttpResponse:
    module = get_object_or_404(TrainingModule, pk=pk)
    soon = request.GET.get("filtre") == "bientot"
    trainings = selectors.expiring_soon(module) if soon else selectors.holders(module)
    page = paginate(request, trainings)
    return render(
        request,
        "trainings/module_holders.html",
        {
            "module": module,
            "page_obj": page,
            "soon": soon,
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
        },
    )


@coordinator_required
@require_POST
def module_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite the ticked volunteers to the module's next session with places."""
    module = get_object_or_404(TrainingModule, pk=pk)
    form, volunteers = chosen_volunteers(request)
    back = request.POST.get("retour") or reverse("trainings:module_detail", args=[module.pk])
    if not back.startswith("/gestion/"):
        back = reverse("trainings:module_detail", args=[module.pk])
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("volunteers", ["Cochez au moins un·e volontaire."])))
        return redirect(back)
    sent = invite_volunteers(request, module, volunteers, cancel_url=back)
    return sent if isinstance(sent, HttpResponse) else redirect(back)


@coordinator_required
@require_POST
def volunteers_invite(request: HttpRequest) -> HttpResponse:
    """From the volunteers' list (ticked, or all the filter matches): choose the module, then
    confirm the invitations to its next session with places."""
    back = reverse("volunteers:list")
    params = filter_params(request.POST)
    if params:
        back += f"?{urlencode(params)}"
    visible = Volunteer.objects.visible_to(request.user)
    volunteers = [v for v in bulk_selection(request.POST, BULK_MAX, visible) if v.status != VolunteerStatus.WITHDRAWN]
    if not volunteers or len(volunteers) > BULK_MAX:
        messages.error(
            request,
            f"Au plus {BULK_MAX} volontaires à la fois : affinez le filtre."
            if volunteers
            else "Cochez au moins un·e volontaire, ou « tous les volontaires correspondant au filtre ».",
        )
        return redirect(back)
    form = ModuleChoiceForm(request.POST if "module" in request.POST else None)
    if form.is_valid():
        sent = invite_volunteers(request, form.cleaned_data["module"], volunteers, cancel_url=back)
        return sent if isinstance(sent, HttpResponse) else redirect(back)
    hidden = [(name, value) for name, value in confirmation.posted_again(request) if name != "module"]
    context = {"form": form, "volunteers": volunteers, "hidden": hidden, "cancel_url": back}
    return render(request, "trainings/volunteers_invite.html", context, status=form_status(form))


def invite_volunteers(
    request: HttpRequest, module: TrainingModule, volunteers, *, cancel_url: str
) -> HttpResponse | bool:
    """Invite the chosen volunteers; several are first shown the confirmation page (returned)."""
    if len(volunteers) > 1 and not request.POST.get(confirmation.FIELD):
        with service_errors(request, TrainingError) as outcome:
            send = services.invitation_preview(volunteers=volunteers, module=module)
        if outcome.failed:
            return False
        context = {
            "module": module,
            "send": send,
            "hidden": confirmation.posted_again(request),
            "action_url": request.path,
            "cancel_url": cancel_url,
        }
        return render(request, "trainings/invite_confirm.html", context)
    with service_errors(request, TrainingError, confirmation.SendNotConfirmed) as outcome:
        result = services.invite_to_next_session(
            volunteers=volunteers,
            module=module,
            by=request.user,
            confirmation=request.POST.get(confirmation.FIELD, ""),
        )
    if outcome.failed:
        return False
    text = (
        f"Invitation envoyée à {count_of(len(result.invited), 'volontaire')} pour la session du "
        f"{timezone.localtime(result.session.starts_at):%d/%m/%Y à %H:%M}."
    )
    if result.skipped:
        text += f" {count_of(len(result.skipped), 'personne')} déjà inscrite(s) ou désistée(s) : non invitée(s)."
    messages.success(request, text)
    return True


@coordinator_required
def record_completion(request: HttpRequest, pk: int) -> HttpResponse:
    """Online modules: record that volunteers completed it, without a session."""
    module = get_object_or_404(TrainingModule, pk=pk)
    search, found = _search_volunteers(request)
    completion = CompletionForm(posted(request), initial={"completed_on": timezone.localdate()})
    choice = VolunteerChoiceForm(volunteers=found)
    if request.method == "POST":
        choice, chosen = chosen_volunteers(request)
        if choice.is_valid() and completion.is_valid():
            try:
                for volunteer in chosen:
                    services.training_record(
                        volunteer=volunteer,
                        module=module,
                        completed_on=completion.cleaned_data["completed_on"],
                        by=request.user,
                    )
            except TrainingError as error:
                completion.add_error(None, str(error))
            else:
                messages.success(request, f"Formation enregistrée pour {count_of(len(chosen), 'volontaire')}.")
                return redirect("trainings:module_holders", module.pk)
        found = chosen
    return render(
        request,
        "trainings/record_completion.html",
        {
            "module": module,
            "search": search,
            "found": found,
            "choice": choice,
            "form": completion,
        },
        status=400 if request.method == "POST" else 200,
    )


# Sessions ---------------------------------------------------------------------------------------


@coordinator_required
def session_list(request: HttpRequest) -> HttpResponse:
    past = request.GET.get("periode") == "passees"
    now = timezone.now()
    sessions = selectors.sessions_with_counts()
    sessions = (
        sessions.filter(starts_at__lte=now).order_by("-starts_at", "-pk")
        if past
        else sessions.filter(starts_at__gt=now).order_by("starts_at", "pk")
    )
    page = paginate(request, sessions)
    return render(request, "trainings/session_list.html", {"page_obj": page, "past": past})


@coordinator_required
def session_create(request: HttpRequest, module_pk: int) -> HttpResponse:
    module = get_object_or_404(TrainingModule, pk=module_pk)
    return _session_form(request, TrainingSession(module=module), module)


@coordinator_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession.objects.select_related("module"), pk=pk)
    return _session_form(request, session, session.module)


def _session_form(request: HttpRequest, session: TrainingSession, module: TrainingModule) -> HttpResponse:
    form = TrainingSessionForm(posted(request), instance=session, module=module)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TrainingError):
            session = services.session_save(session=form.save(commit=False), by=request.user)
            messages.success(request, "Session enregistrée.")
            return redirect("trainings:session_detail", session.pk)
    return render(
        request,
        "trainings/session_form.html",
        {"form": form, "session": session, "module": module},
        status=form_status(form),
    )


def _session_or_404(pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.with_counts().select_related("module", "created_by"), pk=pk)


@coordinator_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    search, found = _search_volunteers(request)
    return render(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            "registrations": selectors.session_registrations(session),
            "search": search,
            "found": found,
            "choice": VolunteerChoiceForm(volunteers=found),
            "cancel_form": CancelSessionForm(),
            "is_open": session.status == SessionStatus.PLANNED and session.starts_at > timezone.now(),
            "can_record": session.status != SessionStatus.CANCELLED and session.starts_at <= timezone.now(),
            "active_statuses": ACTIVE_STATUSES,
        },
    )


@coordinator_required
@require_POST
def session_register(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    form, volunteers = chosen_volunteers(request)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("volunteers", [])))
        return redirect("trainings:session_detail", session.pk)
    counts = {RegistrationStatus.REGISTERED: 0, RegistrationStatus.WAITING: 0}
    for volunteer in volunteers:
        with service_errors(request, TrainingError):
            registration = services.registration_create(
                session=session, volunteer=volunteer, by=request.user, notify=True
            )
            counts[registration.status] += 1
    if counts[RegistrationStatus.REGISTERED]:
        messages.success(request, f"{count_of(counts[RegistrationStatus.REGISTERED], 'volontaire')} inscrit·e(s).")
    if counts[RegistrationStatus.WAITING]:
        messages.warning(
            request,
            f"Session complète : {count_of(counts[RegistrationStatus.WAITING], 'volontaire')} en liste d'attente.",
        )
    return redirect("trainings:session_detail", session.pk)


@coordinator_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    registrations = list(selectors.session_registrations(session).exclude(status=RegistrationStatus.CANCELLED))
    form = AttendanceForm(posted(request), registrations=registrations)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, TrainingError):
            result = services.attendance_record(session=session, presence=form.presence(), by=request.user)
            messages.success(
                request, f"Présences enregistrées : {result.attended} présent·e(s), {result.absent} absent·e(s)."
            )
            return redirect("trainings:session_detail", session.pk)
    return render(
        request,
        "trainings/session_attendance.html",
        {"session": session, "form": form},
        status=form_status(form),
    )


@coordinator_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("trainings:session_detail", session.pk)
    with service_errors(request, TrainingError):
        told = services.session_cancel(session=session, by=request.user, note=form.cleaned_data["note"])
        messages.success(request, f"Session annulée : {count_of(told, 'volontaire')} prévenu·e(s).")
    return redirect("trainings:session_detail", session.pk)


@coordinator_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(SessionRegistration.objects.select_related("session"), pk=pk)
    with service_errors(request, TrainingError):
        services.registration_cancel(registration=registration, by=request.user)
        messages.success(request, "Inscription annulée.")
    return redirect("trainings:session_detail", registration.session_id)


# Volunteers -------------------------------------------------------------------------------------


def _own_volunteer(request: HttpRequest) -> Volunteer:
    return get_object_or_404(Volunteer.objects.not_withdrawn(), user=request.user)


@volunteer_required
def my_trainings(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    return render(request, "trainings/my_trainings.html", {"volunteer": volunteer})


@volunteer_required
@require_POST
def self_register(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _own_volunteer(request)
    session = get_object_or_404(TrainingSession.objects.filter(module__is_active=True), pk=pk)
    with service_errors(request, TrainingError):
        registration = services.registration_create(session=session, volunteer=volunteer, by=request.user)
        if registration.status == RegistrationStatus.WAITING:
            messages.warning(
                request,
                "La session est complète : vous êtes sur la liste d'attente. "
                "Nous vous prévenons si une place se libère.",
            )
        else:
            messages.success(
                request,
                f"Vous êtes inscrit·e à la session du {timezone.localtime(session.starts_at):%d/%m/%Y à %H:%M}.",
            )
    return redirect("trainings:my_trainings")


@volunteer_required
@require_POST
def self_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _own_volunteer(request)
    # Scoped to the volunteer's own registrations: anyone else's id is a 404.
    registration = get_object_or_404(SessionRegistration.objects.filter(volunteer=volunteer), pk=pk)
    with service_errors(request, TrainingError):
        services.registration_cancel(registration=registration, by=request.user)
        messages.success(request, "Votre inscription est annulée. Merci d'avoir prévenu.")
    return redirect("trainings:my_trainings")


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token in the SMS or e-mail is the volunteer's key to this invitation only.
    GET shows the module's upcoming sessions (link previews must not register); the buttons POST."""
    invitation = by_link_token(
        TrainingInvitation.objects.select_related("volunteer", "module").filter(volunteer__anonymised_at__isnull=True),
        token,
    )
    if services.invitation_link_expired(invitation):
        return link_expired_page(request)
    registration = None
    if request.method == "POST":
        session_id = request.POST.get("session", "")
        session = TrainingSession.objects.filter(
            module=invitation.module, pk=session_id if session_id.isdigit() else 0
        ).first()
        if session is None:
            messages.error(request, "Choisissez une des sessions proposées.")
        else:
            with service_errors(request, TrainingError):
                registration = services.registration_create(
                    session=session, volunteer=invitation.volunteer, by=None, invitation=invitation
                )
    mine = {
        r.session_id: r
        for r in SessionRegistration.objects.filter(volunteer=invitation.volunteer, session__module=invitation.module)
    }
    sessions = list(
        selectors.sessions_with_counts().upcoming().filter(module=invitation.module).order_by("starts_at", "pk")[:10]
    )
    for session in sessions:
        session.mine = mine.get(session.pk)
    return render(
        request,
        "trainings/invitation.html",
        {
            "invitation": invitation,
            "sessions": sessions,
            "registration": registration,
        },
        status=400 if request.method == "POST" and registration is None else 200,
    )
