from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from sesame.utils import get_user

from villesolidaire.accounts.perms import coordinator_required, quartier_aware, volunteer_required, within_quartiers
from villesolidaire.core import confirmation, limits
from villesolidaire.core.http import safe_next
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.tenancy import town_scope
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.volunteers import services
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.forms import (
    BulkActionForm,
    MagicLinkRequestForm,
    SignupForm,
    StatusChangeForm,
    VolunteerFilter,
    VolunteerProfileForm,
    WithdrawForm,
    bulk_selection,
    filter_params,
)
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer, open_recruitment_call

# Shown to a signed-in volunteer when the database refuses a contact another account took
# between validation and saving. The public sign-up never says so (services.volunteer_sign_up).
CONTACT_TAKEN = "Cette adresse e-mail ou ce numéro de mobile est déjà utilisé par un autre compte."

# Public sign-up ---------------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    call = open_recruitment_call()
    if call is None:
        return _signup_closed(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = limits.hit(request, "public_form", recipients=limits.contacts(form, "email", "phone"))
        if wait:
            context = {"form": form, "call": call}
            return limits.refuse_form(request, "volunteers/signup.html", context, form=form, wait=wait)
        # A known e-mail or mobile creates nothing and its owner is told; the visitor gets the
        # same answer as a new volunteer, so the form does not reveal who is registered.
        services.volunteer_sign_up(
            volunteer=form.save(commit=False),
            skills=form.cleaned_data["skills"],
            categories=form.cleaned_data["categories"],
            recruitment_call=call,
        )
        return redirect("volunteers:signup_thanks")
    return render(request, "volunteers/signup.html", {"form": form, "call": call})


def _signup_closed(request: HttpRequest) -> HttpResponse:
    last_call = RecruitmentCall.objects.filter(closes_at__lte=timezone.now()).order_by("-closes_at").first()
    if request.method == "POST":
        messages.error(request, "Les inscriptions sont closes : votre inscription n'a pas été enregistrée.")
    return render(request, "volunteers/signup_closed.html", {"last_call": last_call})


def signup_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/signup_thanks.html")


# Magic links ------------------------------------------------------------------------------------


def magic_link_request(request: HttpRequest) -> HttpResponse:
    form = MagicLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = limits.hit(request, "magic_link", recipients=[form.cleaned_data["contact"]])
        if wait:
            return limits.refuse_form(
                request, "volunteers/magic_link_request.html", {"form": form}, form=form, wait=wait
            )
        services.volunteer_send_magic_link(email=form.email, phone=form.phone)
        # Same answer whether or not an account matched: the page must not reveal who is registered.
        return redirect("volunteers:magic_link_sent")
    return render(request, "volunteers/magic_link_request.html", {"form": form})


def magic_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/magic_link_sent.html")


def sign_in_from_magic_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign a volunteer in from the `jeton` of a magic link, then drop it from the address bar.

    Done here rather than by sesame's middleware so that tokens are only honoured on the
    volunteer space, only for volunteers, and never for staff (who need their second factor).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if "jeton" not in request.GET:
            return view(request, *args, **kwargs)
        user = get_user(request, scope=town_scope(services.MAGIC_LINK_SCOPE), update_last_login=False)
        if user is None or not hasattr(user, "volunteer") or user.is_staff_member:
            messages.error(request, "Ce lien de connexion n'est plus valable. Demandez-en un nouveau ci-dessous.")
            return redirect("volunteers:magic_link_request")
        login(request, user)
        return redirect(safe_next(request, request.GET.get("suivant", ""), default=request.path))

    return wrapper


# Volunteer space --------------------------------------------------------------------------------


@sign_in_from_magic_link
@volunteer_required
def space(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    # Reverse relations (missions sits above this app); missions come in date order (Meta.ordering).
    supports = volunteer.supports.select_related("help_request__category", "resident").prefetch_related("missions")
    context = {"volunteer": volunteer, "supports": supports, "Status": Status, "now": timezone.now()}
    return render(request, "volunteers/space.html", context)


def _own_volunteer(request: HttpRequest) -> Volunteer:
    """The signed-in volunteer's own row: the only one the volunteer space can ever reach."""
    return get_object_or_404(
        Volunteer.objects.not_withdrawn().select_related("quartier").prefetch_related("skills", "categories"),
        user=request.user,
    )


@volunteer_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    form = VolunteerProfileForm(request.POST or None, instance=volunteer)
    if request.method == "POST" and form.is_valid():
        with form_service_errors(form, IntegrityError, message=CONTACT_TAKEN):
            services.volunteer_update_profile(
                volunteer=form.save(commit=False),
                skills=form.cleaned_data["skills"],
                categories=form.cleaned_data["categories"],
                address_changed=form.address_changed,
            )
            messages.success(request, "Votre profil est enregistré.")
            return redirect("volunteers:space")
    return render(request, "volunteers/profile_edit.html", {"form": form, "volunteer": volunteer})


@volunteer_required
@require_POST
def pause_self(request: HttpRequest) -> HttpResponse:
    return _self_transition(
        request, services.volunteer_pause, "Votre participation est en pause. Reprenez quand vous voulez."
    )


@volunteer_required
@require_POST
def resume_self(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer.status != Status.PAUSED:
        # Coming back from the reserve is the coordinators' decision.
        messages.error(request, "Vous ne pouvez reprendre vous-même qu'après une pause.")
        return redirect("volunteers:space")
    return _self_transition(
        request, services.volunteer_resume, "Bon retour ! Vous pouvez à nouveau recevoir des propositions."
    )


def _self_transition(request: HttpRequest, service: Callable, success: str) -> HttpResponse:
    volunteer = _own_volunteer(request)
    with service_errors(request, TransitionNotAllowed):
        service(volunteer=volunteer, by=request.user, reason="Demande du ou de la volontaire")
        messages.success(request, success)
    return redirect("volunteers:space")


@volunteer_required
def withdraw_self(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.volunteer_withdraw(volunteer=volunteer, by=request.user, reason=form.cleaned_data["reason"])
        logout(request)
        messages.success(
            request,
            "Votre désistement est enregistré et vos données personnelles ont été effacées. "
            "Merci pour votre engagement.",
        )
        return redirect("core:home")
    return render(request, "volunteers/withdraw.html", {"form": form, "volunteer": volunteer})


# Coordinators -----------------------------------------------------------------------------------


@coordinator_required
@quartier_aware
def volunteer_list(request: HttpRequest) -> HttpResponse:
    filterset = VolunteerFilter(
        request.GET or None, queryset=Volunteer.objects.visible_to(request.user).with_list_data()
    )
    page = paginate(request, filterset.qs)
    context = {
        "filter": filterset,
        "page_obj": page,
        "bulk_form": BulkActionForm(),
        "filter_params": filter_params(request.GET),
        "bulk_max": services.BULK_MAX,
    }
    return render(request, "volunteers/list.html", context)


def _list_url(data) -> str:
    params = filter_params(data)
    return reverse("volunteers:list") + (f"?{urlencode(params)}" if params else "")


@coordinator_required
@quartier_aware
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Validate or pause the ticked volunteers (or all the filter matches) among those the
    person sees (a coordinator limited to quartiers: theirs): first the confirmation page
    listing them (and the message a validation sends), then the changes."""
    back = _list_url(request.POST)
    form = BulkActionForm(request.POST)
    volunteers = bulk_selection(request.POST, services.BULK_MAX, Volunteer.objects.visible_to(request.user))
    refusal = _bulk_refusal(form, volunteers)
    if refusal:
        messages.error(request, refusal)
        return redirect(back)
    action = form.cleaned_data["action"]
    token = request.POST.get(confirmation.FIELD, "")
    if not token:
        context = {
            "volunteers": volunteers,
            "action_label": dict(BulkActionForm.ACTIONS)[action],
            "send": services.bulk_status_preview(volunteers=volunteers, action=action),
            "hidden": confirmation.posted_again(request),
            "cancel_url": back,
        }
        return render(request, "volunteers/bulk_confirm.html", context)
    with service_errors(request, TransitionNotAllowed, confirmation.SendNotConfirmed):
        result = services.volunteers_change_status_many(
            volunteers=volunteers,
            action=action,
            by=request.user,
            reason=form.cleaned_data["reason"],
            confirmation=token,
        )
        _bulk_summary(request, result, action)
    return redirect(back)


def _bulk_refusal(form: BulkActionForm, volunteers: list) -> str:
    if not form.is_valid():
        return " ".join(error for errors in form.errors.values() for error in errors)
    if not volunteers:
        return "Cochez au moins un·e volontaire, ou « tous les volontaires correspondant au filtre »."
    if len(volunteers) > services.BULK_MAX:
        return f"Au plus {services.BULK_MAX} volontaires à la fois : affinez le filtre."
    return ""


def _bulk_summary(request: HttpRequest, result: services.BulkResult, action: str) -> None:
    done = {"validate": "validé·e", "pause": "mis·e en pause"}[action]
    count = len(result.changed)
    messages.success(request, f"{count} volontaire{'s' if count > 1 else ''} {done}{'s' if count > 1 else ''}.")
    if result.refused:
        details = " ; ".join(f"{volunteer} : {reason}" for volunteer, reason in result.refused[:20])
        more = f" (et {len(result.refused) - 20} autres)" if len(result.refused) > 20 else ""
        messages.warning(request, f"{len(result.refused)} non modifié·e(s) — {details}{more}")


@coordinator_required
@quartier_aware
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(request.user).with_list_data().select_related("recruitment_call"), pk=pk
    )
    form = StatusChangeForm(volunteer=volunteer)
    return render(request, "volunteers/detail.html", _detail_context(request, volunteer, form))


def _detail_context(request: HttpRequest, volunteer: Volunteer, form: StatusChangeForm) -> dict:
    # A quartier coordinator sees the volunteer's supports of residents in their quartiers only.
    supports = within_quartiers(volunteer.supports.with_list_data(), request.user, "resident__quartier")
    return {
        "volunteer": volunteer,
        "form": form,
        "history": volunteer.status_changes.select_related("by"),
        "supports": supports.annotate(mission_count=Count("missions")),
    }


@coordinator_required
@require_POST
@quartier_aware
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user).with_list_data(), pk=pk)
    form = StatusChangeForm(request.POST, volunteer=volunteer)
    if form.is_valid():
        with form_service_errors(form, TransitionNotAllowed):
            services.volunteer_change_status(
                volunteer=volunteer, to_status=form.target_status, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Le statut est mis à jour.")
            return redirect(reverse("volunteers:detail", args=[volunteer.pk]))
    return render(request, "volunteers/detail.html", _detail_context(request, volunteer, form), status=200)
