"""Pages for needs.

Two management spaces share the same views, told apart by `space`:
- "partner" (partenaires/besoins/…): a partner account, scoped to its organisations;
- "staff" (gestion/besoins/…): coordinators, the town's own needs and every partner's.
Every object is fetched through `_needs(request, space)`: another organisation's need is a 404.

Volunteers see public pages (open needs), their invitation and sign-up links (no login:
the token is the key) and their own sign-ups from their space.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from villesolidaire.accounts.perms import volunteer_required
from villesolidaire.audit.models import AuditAction
from villesolidaire.audit.services import record as audit_record
from villesolidaire.core import confirmation
from villesolidaire.core.http import by_link_token, link_expired_page
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.crises.forms import EpisodeLinkForm
from villesolidaire.needs import feed_import as feed_import_module
from villesolidaire.needs import feeds, selectors, services, tasks
from villesolidaire.needs.filters import NeedFilter
from villesolidaire.needs.forms import AttendanceForm, FeedUploadForm, NeedForm, NotificationDecisionForm, ShiftForm
from villesolidaire.needs.models import (
    NEED_WORKFLOW,
    PLACE_HOLDING,
    Need,
    NeedInvitation,
    NeedNotification,
    NeedStatus,
    Shift,
    ShiftSignup,
    SignupStatus,
)
from villesolidaire.partners.models import Organisation
from villesolidaire.volunteers.models import Volunteer

PAGE_SIZE = 30  # the needs lists, management and public, keep their own page size
PARTNER, STAFF = "partner", "staff"
STATUS_ACTIONS = {
    NeedStatus.PUBLISHED: "Publier",
    NeedStatus.CLOSED: "Clore les inscriptions",
    NeedStatus.CANCELLED: "Annuler le besoin",
}


def _needs(request: HttpRequest, space: str):
    if space == PARTNER:
        return Need.objects.of_partner(request.user)
    return Need.objects.all()


def _organisations(request: HttpRequest, space: str):
    if space == PARTNER:
        return Organisation.objects.of_user(request.user).order_by("name")
    return Organisation.objects.order_by("name")


def _url(space: str, name: str, *args) -> str:
    return reverse(f"needs:{space}_{name}", args=args)


def _get_need(request: HttpRequest, space: str, pk: int) -> Need:
    queryset = _needs(request, space).select_related("organisation", "category", "quartier", "episode")
    return get_object_or_404(queryset, pk=pk)


# ---------------------------------------------------------------- management (partner / staff)


def need_list(request: HttpRequest, space: str) -> HttpResponse:
    needs = _needs(request, space).with_list_data().order_by("-created_at", "-pk")
    filterset = NeedFilter(request.GET or None, queryset=needs)
    # An unknown status is reported on the form and the whole list is shown.
    page = paginate(request, filterset.qs if filterset.is_valid() else needs, PAGE_SIZE)
    return render(
        request,
        "needs/manage_list.html",
        {
            "space": space,
            "filter": filterset,
            "page_obj": page,
            "needs": page.object_list,
            "awaiting_approval": NeedNotification.objects.awaiting_approval().count() if space == STAFF else 0,
        },
    )


def need_create(request: HttpRequest, space: str) -> HttpResponse:
    organisations = _organisations(request, space)
    if space == PARTNER and not organisations.exists():
        raise Http404
    form = NeedForm(request.POST or None, organisations=organisations, town_allowed=space == STAFF)
    return _need_form(
        request, space, form, None, "Besoin enregistré en brouillon. Ajoutez ses créneaux puis publiez-le."
    )


def need_edit(request: HttpRequest, space: str, pk: int) -> HttpResponse:
    need = _get_need(request, space, pk)
    if need.is_external or need.status == NeedStatus.CANCELLED:
        messages.error(request, "Ce besoin ne peut plus être modifié.")
        return redirect(_url(space, "detail", need.pk))
    form = NeedForm(
        request.POST or None,
        instance=need,
        organisations=_organisations(request, space),
        town_allowed=space == STAFF,
        initial={"skills": need.skills.all(), "trainings": need.trainings.all()},
    )
    return _need_form(request, space, form, need, "Besoin mis à jour.")


def _need_form(request: HttpRequest, space: str, form: NeedForm, need: Need | None, saved: str) -> HttpResponse:
    """Save a posted NeedForm through the service (a new need when `need` is None), or show it again."""
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.NeedError):
            need = services.need_save(
                need=form.save(commit=False),
                by=request.user,
                skills=form.cleaned_data["skills"],
                trainings=form.cleaned_data["trainings"],
                # A new need is always located; an edited one only when its address changed.
                address_changed=need is None or form.address_changed,
            )
            messages.success(request, saved)
            return redirect(_url(space, "detail", need.pk))
    return render(
        request,
        "needs/need_form.html",
        {"space": space, "form": form, "need": need},
        status=400 if request.method == "POST" else 200,
    )


def need_detail(request: HttpRequest, space: str, pk: int) -> HttpResponse:
    return _render_detail(request, space, _get_need(request, space, pk))


def _render_detail(
    request: HttpRequest,
    space: str,
    need: Need,
    shift_form: ShiftForm | None = None,
    status: int = 200,
    episode_form: EpisodeLinkForm | None = None,
) -> HttpResponse:
    """The need's management page; `shift_form` bound when an added shift was refused, so
    what was typed comes back with its error messages."""
    signups = (
        ShiftSignup.objects.exclude(status=SignupStatus.CANCELLED)
        .select_related("volunteer")
        .order_by("created_at", "pk")
    )
    shifts = list(
        selectors.shifts_with_places(need).prefetch_related(
            Prefetch("signups", queryset=signups, to_attr="live_signups")
        )
    )
    shown = sum(len(shift.live_signups) for shift in shifts)
    if shown:
        # Names and contacts of the volunteers who signed up: a read worth logging.
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=need,
            fields=["first_name", "last_name", "phone", "email"],
            detail=f"Inscriptions aux créneaux ({shown})",
            request=request,
        )
    return render(
        request,
        "needs/manage_detail.html",
        {
            "space": space,
            "need": need,
            "shifts": shifts,
            "now": timezone.now(),
            "shift_form": shift_form or ShiftForm(),
            # The crisis episode is the town's bookkeeping: coordinators only.
            "episode_form": (episode_form or EpisodeLinkForm(current=need.episode)) if space == STAFF else None,
            "actions": [(target, STATUS_ACTIONS[target]) for target in NEED_WORKFLOW.allowed_targets(need.status)],
            "transitions": need.transitions.select_related("by"),
            "invited": need.invitations.count(),
            "notifications": need.notifications.select_related("requested_by", "decided_by")[:10],
            **_notify_panel(need, shifts),
        },
        status=status,
    )


def _notify_panel(need: Need, shifts: list[Shift]) -> dict:
    """« Prévenir les volontaires »: whom to tell (`preview`), or why nobody may be told now
    (`notify_refusal`: no shift to come, or all of them full; the send would refuse the same)."""
    if need.status != NeedStatus.PUBLISHED or need.is_external:
        return {"preview": None, "notify_refusal": ""}
    now = timezone.now()
    try:
        services.check_places_left([shift for shift in shifts if shift.starts_at > now])
    except services.NeedError as refusal:
        return {"preview": None, "notify_refusal": str(refusal)}
    return {"preview": selectors.select_volunteers(need), "notify_refusal": ""}


@require_POST
def need_episode(request: HttpRequest, pk: int) -> HttpResponse:
    """Change or clear the crisis episode the need counts under (coordinators' space)."""
    need = _get_need(request, STAFF, pk)
    form = EpisodeLinkForm(request.POST, current=need.episode)
    if not form.is_valid():
        return _render_detail(request, STAFF, need, status=400, episode_form=form)
    episode = form.cleaned_data["episode"]
    services.need_set_episode(need=need, episode=episode, by=request.user, request=request)
    messages.success(
        request, f"Besoin rattaché à l'épisode « {episode} »." if episode else "Besoin rattaché à aucun épisode."
    )
    return redirect(_url(STAFF, "detail", need.pk))


@require_POST
def need_status(request: HttpRequest, space: str, pk: int) -> HttpResponse:
    need = _get_need(request, space, pk)
    target = request.POST.get("statut", "")
    if target not in NeedStatus.values:
        messages.error(request, "Action non reconnue.")
    else:
        with service_errors(request, services.NeedError):
            services.need_change_status(need=need, to_status=target, by=request.user)
            messages.success(request, f"Besoin « {need.get_status_display().lower()} ».")
    return redirect(_url(space, "detail", need.pk))


@require_POST
def shift_add(request: HttpRequest, space: str, pk: int) -> HttpResponse:
    need = _get_need(request, space, pk)
    form = ShiftForm(request.POST)
    if form.is_valid():
        with form_service_errors(form, services.NeedError):
            services.shift_add(
                need=need,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                places=form.cleaned_data["places"],
            )
            messages.success(request, "Créneau ajouté.")
            return redirect(_url(space, "detail", need.pk))
    messages.error(request, "Créneau non ajouté : " + " ".join(e for errors in form.errors.values() for e in errors))
    return _render_detail(request, space, need, shift_form=form, status=400)


@require_POST
def shift_delete(request: HttpRequest, space: str, pk: int, shift_pk: int) -> HttpResponse:
    need = _get_need(request, space, pk)
    shift = get_object_or_404(Shift, pk=shift_pk, need=need)
    with service_errors(request, services.NeedError):
        services.shift_delete(shift=shift)
        messages.success(request, "Créneau supprimé.")
    return redirect(_url(space, "detail", need.pk))


@require_POST
def need_notify(request: HttpRequest, space: str, pk: int) -> HttpResponse:
    """First POST: the confirmation page (how many volunteers, which text); the second, with its
    token, records the send, which leaves at once or waits for a coordinator's approval."""
    need = _get_need(request, space, pk)
    token = request.POST.get(confirmation.FIELD, "")
    with service_errors(request, services.NeedError, confirmation.SendNotConfirmed):
        if not token:
            send = services.need_notify_preview(need=need)
            if send.count > 1:
                context = {
                    "need": need,
                    "send": send,
                    "hidden": [],
                    "action_url": request.path,
                    "cancel_url": _url(space, "detail", need.pk),
                    "threshold": services.approval_threshold() if space == PARTNER else 0,
                }
                return render(request, "needs/notify_confirm.html", context)
        notification = services.need_notify_request(need=need, by=request.user, confirmation=token)
        if tasks.need_notify_schedule(notification=notification):
            messages.success(request, "Les volontaires concerné·es vont être prévenu·es (envoi en cours).")
        else:
            messages.success(
                request,
                f"Envoi à {notification.recipient_count} volontaires enregistré : au-delà du seuil fixé par la "
                "commune, il attend la validation de la coordination. Vous serez prévenu·e par e-mail.",
            )
    return redirect(_url(space, "detail", need.pk))


def notification_list(request: HttpRequest) -> HttpResponse:
    """Coordinators: partners' sends waiting for approval, oldest first."""
    upcoming = Prefetch("need__shifts", queryset=Shift.objects.upcoming().with_places_held(), to_attr="upcoming")
    awaiting = (
        NeedNotification.objects.awaiting_approval()
        .select_related("need__organisation", "requested_by")
        .prefetch_related(upcoming)
        .order_by("requested_at", "pk")
    )
    page = paginate(request, awaiting, PAGE_SIZE)
    for notification in page:  # what the coordinator approves: the text and how full the shifts are
        shifts = notification.need.upcoming
        notification.text = services.invitation_preview_text(notification.need, shifts)
        notification.places_problem = _places_problem(shifts)
    return render(request, "needs/notification_list.html", {"page_obj": page, "form": NotificationDecisionForm()})


def _places_problem(shifts: list[Shift]) -> str:
    """Why an approval would be refused for want of places, said before the coordinator tries."""
    try:
        services.check_places_left(shifts)
    except services.NeedError as exc:
        return str(exc)
    return ""


@require_POST
def notification_decide(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(NeedNotification.objects.select_related("need", "requested_by"), pk=pk)
    form = NotificationDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("needs:notification_list")
    approve = form.cleaned_data["decision"] == NotificationDecisionForm.APPROVE
    with service_errors(request, services.NeedError):
        services.need_notification_decide(
            notification=notification, approve=approve, by=request.user, reason=form.cleaned_data["reason"]
        )
        if approve:
            tasks.need_notify_schedule(notification=notification)
            messages.success(
                request, f"Envoi validé : {notification.recipient_count} volontaires vont être prévenu·es."
            )
        else:
            messages.success(request, "Envoi refusé ; le partenaire est prévenu par e-mail.")
    return redirect("needs:notification_list")


def _get_signup(request: HttpRequest, space: str, pk: int, signup_pk: int) -> ShiftSignup:
    need = _get_need(request, space, pk)
    return get_object_or_404(ShiftSignup.objects.select_related("shift", "volunteer"), pk=signup_pk, shift__need=need)


@require_POST
def signup_confirm(request: HttpRequest, space: str, pk: int, signup_pk: int) -> HttpResponse:
    signup = _get_signup(request, space, pk, signup_pk)
    with service_errors(request, services.NeedError):
        services.signup_confirm(signup=signup, by=request.user)
        messages.success(request, f"Inscription de {signup.volunteer.first_name} confirmée.")
    return redirect(_url(space, "detail", pk))


@require_POST
def signup_cancel(request: HttpRequest, space: str, pk: int, signup_pk: int) -> HttpResponse:
    signup = _get_signup(request, space, pk, signup_pk)
    with service_errors(request, services.NeedError):
        promoted = services.signup_cancel(signup=signup, by=request.user)
        text = "Inscription annulée."
        if promoted:
            name = f"{promoted.volunteer.first_name} {promoted.volunteer.last_name}"
            text += f" {name} passe de la liste d'attente à la place libérée."
        messages.success(request, text)
    return redirect(_url(space, "detail", pk))


def signup_attendance(request: HttpRequest, space: str, pk: int, signup_pk: int) -> HttpResponse:
    signup = _get_signup(request, space, pk, signup_pk)
    form = AttendanceForm(
        request.POST or None,
        initial={
            "attended": "1" if signup.attended is not False else "0",
            "hours": signup.hours or signup.shift.duration_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, services.NeedError):
            services.attendance_record(
                signup=signup,
                attended=form.cleaned_data["attended"],
                hours=form.cleaned_data["hours"],
                by=request.user,
            )
            messages.success(request, "Présence enregistrée.")
            return redirect(_url(space, "detail", pk))
    return render(
        request,
        "needs/attendance_form.html",
        {"space": space, "signup": signup, "form": form, "need_pk": pk},
        status=400 if request.method == "POST" else 200,
    )


def feed_import(request: HttpRequest) -> HttpResponse:
    """Coordinators: import an API Engagement feed (creates, updates and withdraws external needs).
    The report is shown on the page itself; importing the same file again creates nothing more."""
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    errors, report = [], None
    if request.method == "POST" and form.is_valid():
        content, source = form.cleaned_data["feed"].read(), form.cleaned_data["source"]
        try:
            report = feed_import_module.import_missions(content, by=request.user, source=source)
        except feed_import_module.FeedError as exc:
            errors = exc.errors
        else:
            audit_record(
                actor=request.user,
                action=AuditAction.IMPORT,
                target=Need,
                detail=f"Flux de missions « {report.source} » : {report.summary}",
                request=request,
            )
    return render(
        request,
        "needs/feed_import.html",
        {"form": form, "errors": errors, "report": report, "space": STAFF},
        status=400 if request.method == "POST" and report is None else 200,
    )


# ---------------------------------------------------------------- public and volunteers


def _public_needs():
    return Need.objects.open_now().select_related("organisation", "quartier")


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    needs = _public_needs().with_list_data().order_by("first_start", "pk")
    page = paginate(request, needs, PAGE_SIZE)
    return render(request, "needs/public_list.html", {"page_obj": page, "needs": page.object_list})


def _own_volunteer(request: HttpRequest) -> Volunteer | None:
    user = request.user
    return getattr(user, "volunteer", None) if user.is_authenticated else None


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(_public_needs(), pk=pk)
    volunteer = _own_volunteer(request)
    mine = {}
    if volunteer is not None:
        mine = {
            s.shift_id: s
            for s in ShiftSignup.objects.filter(volunteer=volunteer, shift__need=need).exclude(
                status=SignupStatus.CANCELLED
            )
        }
    return _need_page(request, need, mine=mine, volunteer=volunteer, invitation=None)


def _need_page(request, need, *, mine, volunteer, invitation, status=200):
    shifts = [s for s in selectors.shifts_with_places(need) if s.ends_at > timezone.now()]
    for shift in shifts:
        shift.mine = mine.get(shift.pk)
        shift.left = max(0, shift.places - shift.taken)
    return render(
        request,
        "needs/public_detail.html",
        {
            "need": need,
            "shifts": shifts,
            "volunteer": volunteer,
            "invitation": invitation,
            "trainings": list(need.trainings.all()),
        },
        status=status,
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the invitation token is the volunteer's key to this need's sign-up page.
    GET only shows (link previews must not sign anyone up); the buttons POST."""
    invitation = by_link_token(
        NeedInvitation.objects.select_related("volunteer", "need__organisation", "need__quartier"), token
    )
    if services.invitation_link_expired(invitation):
        return link_expired_page(request)
    need, volunteer = invitation.need, invitation.volunteer
    status = 200
    if request.method == "POST":
        status = _signup_from_post(request, need, volunteer)
        if status == 200:
            return redirect("needs:invitation", token=invitation.token)
    mine = {
        s.shift_id: s
        for s in ShiftSignup.objects.filter(volunteer=volunteer, shift__need=need).exclude(
            status=SignupStatus.CANCELLED
        )
    }
    if need.status not in (NeedStatus.PUBLISHED,):
        return render(request, "needs/closed.html", {"need": need, "mine": list(mine.values())})
    return _need_page(request, need, mine=mine, volunteer=volunteer, invitation=invitation, status=status)


def _signup_from_post(request, need: Need, volunteer: Volunteer) -> int:
    """Sign up for, or cancel, one shift of `need` for `volunteer`; 400 on bad input."""
    try:
        shift = need.shifts.get(pk=int(request.POST.get("creneau", "")))
    except (ValueError, Shift.DoesNotExist):
        messages.error(request, "Créneau introuvable : choisissez l'un des créneaux proposés.")
        return 400
    action = request.POST.get("action")
    with service_errors(request, services.NeedError) as outcome:
        if action == "inscrire":
            result = services.signup_create(shift=shift, volunteer=volunteer)
            if result.signup.status == SignupStatus.WAITING:
                messages.success(
                    request,
                    "Ce créneau est complet : vous êtes sur la liste d'attente. "
                    "Si une place se libère, elle est à vous.",
                )
            else:
                messages.success(request, "Merci ! Votre inscription est enregistrée, l'organisation va la confirmer.")
        elif action == "annuler":
            signup = (
                ShiftSignup.objects.filter(shift=shift, volunteer=volunteer)
                .exclude(status=SignupStatus.CANCELLED)
                .first()
            )
            if signup is None:
                messages.error(request, "Vous n'êtes pas inscrit·e sur ce créneau.")
                return 400
            services.signup_cancel(signup=signup, by=volunteer.user)
            messages.success(request, "Votre inscription est annulée. Merci d'avoir prévenu.")
        else:
            messages.error(request, "Action non reconnue.")
            return 400
    return 400 if outcome.failed else 200


def signup_link(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the link in a sign-up message shows it and lets the volunteer cancel."""
    signup = by_link_token(ShiftSignup.objects.select_related("volunteer", "shift__need__organisation"), token)
    if services.signup_link_expired(signup):
        return link_expired_page(request)
    if request.method == "POST":
        if request.POST.get("action") != "annuler":
            messages.error(request, "Action non reconnue.")
        else:
            with service_errors(request, services.NeedError):
                services.signup_cancel(signup=signup, by=signup.volunteer.user)
                messages.success(request, "Votre inscription est annulée. Merci d'avoir prévenu.")
                return redirect("needs:signup_link", token=signup.token)
    signup.refresh_from_db(fields=["status"])
    return render(
        request,
        "needs/signup_link.html",
        {
            "signup": signup,
            "shift": signup.shift,
            "need": signup.shift.need,
            "position": _waiting_position(signup),
            "can_cancel": signup.status != SignupStatus.CANCELLED and signup.shift.ends_at > timezone.now(),
        },
    )


def _waiting_position(signup: ShiftSignup) -> int | None:
    if signup.status != SignupStatus.WAITING:
        return None
    ahead = (
        ShiftSignup.objects.filter(shift_id=signup.shift_id, status=SignupStatus.WAITING)
        .filter(created_at__lt=signup.created_at)
        .count()
    )
    return ahead + 1


@volunteer_required
@require_POST
def space_signup(request: HttpRequest, pk: int) -> HttpResponse:
    """From the volunteer space (signed in): sign up for or cancel a shift of an open need."""
    need = get_object_or_404(_public_needs(), pk=pk)
    volunteer = request.user.volunteer
    status = _signup_from_post(request, need, volunteer)
    return (
        redirect("needs:public_detail", pk=need.pk)
        if status == 200
        else _need_page(
            request,
            need,
            volunteer=volunteer,
            invitation=None,
            status=status,
            mine={
                s.shift_id: s
                for s in ShiftSignup.objects.filter(volunteer=volunteer, shift__need=need).exclude(
                    status=SignupStatus.CANCELLED
                )
            },
        )
    )


@volunteer_required
@require_GET
def my_shifts(request: HttpRequest) -> HttpResponse:
    volunteer = request.user.volunteer
    past = (
        ShiftSignup.objects.filter(volunteer=volunteer, shift__ends_at__lte=timezone.now(), status__in=PLACE_HOLDING)
        .select_related("shift__need__organisation")
        .order_by("-shift__starts_at")
    )
    return render(request, "needs/my_shifts.html", {"volunteer": volunteer, "past": past})


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Open data: our published needs as an API Engagement XML feed."""
    response = HttpResponse(feeds.build_feed(feeds.feed_needs()), content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=900"
    return response
