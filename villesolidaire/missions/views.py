from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from villesolidaire.accounts.perms import (
    coordinator_required,
    is_coordinator,
    operator_required,
    quartier_aware,
    volunteer_required,
    within_quartiers,
)
from villesolidaire.core.http import by_link_token, link_expired_page, posted
from villesolidaire.core.pagination import paginate
from villesolidaire.core.service_errors import form_service_errors, service_errors
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.missions import services
from villesolidaire.missions.enums import (
    EvaluationAuthor,
    EvaluationChannel,
    MissionStatus,
    RescheduleStatus,
    SupportKind,
    SupportStatus,
)
from villesolidaire.missions.filters import SupportFilter
from villesolidaire.missions.forms import (
    EvaluationForm,
    MissionPlanForm,
    MissionReportForm,
    OptionalReasonForm,
    ReasonForm,
    RescheduleRequestForm,
    ResidentEvaluationForm,
)
from villesolidaire.missions.models import (
    Evaluation,
    Mission,
    MissionTransition,
    RescheduleRequest,
    Support,
    SupportLink,
)


@coordinator_required
@quartier_aware
def support_list(request: HttpRequest) -> HttpResponse:
    supports = within_quartiers(Support.objects.all(), request.user, "resident__quartier")
    supports = supports.with_list_data().with_money_summary().order_by("-started_at", "-pk")
    filterset = SupportFilter(request.GET or None, queryset=supports)
    # Invalid filters are reported on the form and the whole list is shown.
    page = paginate(request, filterset.qs if filterset.is_valid() else supports)
    return render(
        request,
        "missions/support_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "supports": page.object_list,
            # The "requests left without an answer" section comes from matching (matching_tags).
        },
    )


def _support_for_staff(pk: int, user=None) -> Support:
    supports = (
        Support.objects.all() if user is None else within_quartiers(Support.objects.all(), user, "resident__quartier")
    )
    return get_object_or_404(
        supports.select_related(
            "volunteer",
            "resident",
            "resident__quartier",
            "help_request__category",
            "proposal",
            "created_by",
        ).with_money_summary(),
        pk=pk,
    )


def _render_detail(request: HttpRequest, support: Support, status: int = 200, **forms) -> HttpResponse:
    missions = list(
        support.missions.order_by("scheduled_at", "pk").prefetch_related(
            Prefetch("transitions", queryset=MissionTransition.objects.select_related("by")), _pending_wishes()
        )
    )
    evaluations = {e.author: e for e in Evaluation.objects.filter(support=support).select_related("recorded_by")}
    recurring = support.kind == SupportKind.RECURRING
    context = {
        "support": support,
        "missions": missions,
        "resident_evaluation": evaluations.get(EvaluationAuthor.RESIDENT),
        "volunteer_evaluation": evaluations.get(EvaluationAuthor.VOLUNTEER),
        "can_manage": is_coordinator(request.user),
        "is_active": support.status == SupportStatus.ACTIVE,
        "recurring": recurring,
        "plan_form": forms.get("plan_form") or MissionPlanForm(recurring=recurring),
        "end_form": forms.get("end_form") or ReasonForm(),
        "evaluation_form": forms.get("evaluation_form")
        or ResidentEvaluationForm(initial={"channel": EvaluationChannel.CALL}),
        "cancel_form": OptionalReasonForm(),
        "involves_money": support.help_request.involves_money or support.help_request.category.involves_money,
    }
    return render(request, "missions/support_detail.html", context, status=status)


@operator_required
@quartier_aware
def support_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _support_for_staff(pk, request.user))


@coordinator_required
@require_POST
def mission_add(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_for_staff(pk)
    recurring = support.kind == SupportKind.RECURRING
    form = MissionPlanForm(request.POST, recurring=recurring)
    if not form.is_valid():
        return _render_detail(request, support, status=400, plan_form=form)
    with service_errors(request, services.SupportClosed):
        count = form.cleaned_data.get("count") or 1
        if recurring and count > 1:
            planned = services.mission_plan_series(
                support=support, first_at=form.cleaned_data["scheduled_at"], count=count, by=request.user
            )
            messages.success(request, f"{len(planned)} missions prévues. La personne aidée en est informée.")
        else:
            services.mission_plan(support=support, scheduled_at=form.cleaned_data["scheduled_at"], by=request.user)
            messages.success(request, "Mission prévue. La personne aidée en est informée.")
    return redirect("missions:support_detail", pk=support.pk)


def _mission_for_staff(pk: int) -> Mission:
    return get_object_or_404(Mission.objects.select_related("support"), pk=pk)


@coordinator_required
@require_POST
def mission_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission_for_staff(pk)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Motif invalide : " + " ".join(form.errors.get("reason", [])))
        return redirect("missions:support_detail", pk=mission.support_id)
    with service_errors(request, TransitionNotAllowed):
        services.mission_cancel(mission=mission, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Mission annulée. La personne aidée en est informée.")
    return redirect("missions:support_detail", pk=mission.support_id)


@coordinator_required
@require_POST
def mission_reimburse(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _mission_for_staff(pk)
    if services.mission_reimburse(mission=mission, by=request.user):
        messages.success(request, "Remboursement enregistré.")
    else:
        messages.info(request, "Rien à rembourser sur cette mission (déjà remboursée ou aucun montant avancé).")
    return redirect("missions:support_detail", pk=mission.support_id)


@coordinator_required
@require_POST
def support_end(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_for_staff(pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, support, status=400, end_form=form)
    if support.status != SupportStatus.ACTIVE:
        messages.info(request, "Ce soutien était déjà terminé.")
    else:
        services.support_end(support=support, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, "Soutien terminé. L'avis de la personne aidée et du·de la volontaire est demandé.")
    return redirect("missions:support_detail", pk=support.pk)


@operator_required
@require_POST
def resident_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    support = _support_for_staff(pk)
    if support.status != SupportStatus.ENDED:
        messages.error(request, "L'avis de la personne aidée se recueille quand le soutien est terminé.")
        return redirect("missions:support_detail", pk=support.pk)
    form = ResidentEvaluationForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, support, status=400, evaluation_form=form)
    try:
        services.evaluation_record(
            support=support,
            author=EvaluationAuthor.RESIDENT,
            **form.answers(),
            channel=form.cleaned_data["channel"],
            by=request.user,
        )
        messages.success(request, "Avis de la personne aidée enregistré.")
    except services.EvaluationExists as exc:
        messages.info(request, str(exc))
    return redirect("missions:support_detail", pk=support.pk)


@coordinator_required
@require_POST
def reschedule_accept(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_object_or_404(RescheduleRequest.objects.select_related("mission"), pk=pk)
    with service_errors(request, services.RescheduleError, TransitionNotAllowed):
        services.reschedule_accept(wish=wish, by=request.user)
        messages.success(request, "Mission déplacée. La personne aidée et le·la volontaire en sont informé·es.")
    return redirect("missions:support_detail", pk=wish.mission.support_id)


@coordinator_required
@require_POST
def reschedule_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    wish = get_object_or_404(RescheduleRequest.objects.select_related("mission"), pk=pk)
    form = OptionalReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Motif invalide : " + " ".join(form.errors.get("reason", [])))
        return redirect("missions:support_detail", pk=wish.mission.support_id)
    with service_errors(request, services.RescheduleError):
        services.reschedule_refuse(wish=wish, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Demande refusée. Le·la volontaire en est informé·e ; la mission garde sa date.")
    return redirect("missions:support_detail", pk=wish.mission.support_id)


# Volunteer pages. Two ways in, same pages: the volunteer space (magic link, missions fetched among
# the volunteer's own) and a support's own link (SupportLink, given on the accepted offer's page:
# missions fetched among that support's only).


@dataclass(frozen=True)
class VolunteerPages:
    """Where a volunteer page's links and redirects go, for one way in."""

    report: Callable[[int], str]
    reschedule: Callable[[int], str]
    support: str = ""  # the support's page (link only)
    evaluation: str = ""  # the evaluation page (volunteer space only)


def _space_pages(support: Support) -> VolunteerPages:
    return VolunteerPages(
        report=lambda pk: reverse("missions:mission_report", args=[pk]),
        reschedule=lambda pk: reverse("missions:mission_reschedule", args=[pk]),
        evaluation=reverse("missions:volunteer_evaluation", args=[support.pk]),
    )


def _link_pages(token: str) -> VolunteerPages:
    return VolunteerPages(
        report=lambda pk: reverse("missions:link_mission_report", args=[token, pk]),
        reschedule=lambda pk: reverse("missions:link_mission_reschedule", args=[token, pk]),
        support=reverse("missions:support_by_link", args=[token]),
    )


MISSION_PAGE_RELATED = ("support__resident", "support__resident__quartier", "support__help_request__category")


def _own_mission(request: HttpRequest, pk: int) -> Mission:
    return get_object_or_404(
        Mission.objects.for_volunteer(request.user.volunteer).select_related(*MISSION_PAGE_RELATED), pk=pk
    )


def _linked_support(token: str) -> Support | None:
    """The support a link opens; None once the link has expired. 404 for an unknown key."""
    link = by_link_token(SupportLink.objects.select_related("support"), token)
    return None if link.expired() else link.support


@volunteer_required
def mission_report(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _own_mission(request, pk)
    return _report_page(request, mission, by=request.user, pages=_space_pages(mission.support))


@volunteer_required
def mission_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    mission = _own_mission(request, pk)
    return _reschedule_page(request, mission, by=request.user, pages=_space_pages(mission.support))


def support_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the support's missions, each with its report or another date (SupportLink)."""
    support = _linked_support(token)
    if support is None:
        return link_expired_page(request)
    support = Support.objects.select_related("resident__quartier", "help_request__category").get(pk=support.pk)
    missions = list(support.missions.order_by("scheduled_at", "pk").prefetch_related(_pending_wishes()))
    pages = _link_pages(token)
    for mission in missions:
        mission.report_url, mission.reschedule_url = pages.report(mission.pk), pages.reschedule(mission.pk)
    return render(
        request,
        "missions/support_by_link.html",
        {"support": support, "missions": missions, "now": timezone.now()},
    )


def link_mission_report(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    support = _linked_support(token)
    if support is None:
        return link_expired_page(request)
    mission = get_object_or_404(support.missions.select_related(*MISSION_PAGE_RELATED), pk=pk)
    return _report_page(request, mission, by=support.volunteer.user, pages=_link_pages(token))


def link_mission_reschedule(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    support = _linked_support(token)
    if support is None:
        return link_expired_page(request)
    mission = get_object_or_404(support.missions.select_related(*MISSION_PAGE_RELATED), pk=pk)
    return _reschedule_page(request, mission, by=support.volunteer.user, pages=_link_pages(token))


def _pending_wishes() -> Prefetch:
    return Prefetch(
        "reschedule_requests",
        queryset=RescheduleRequest.objects.filter(status=RescheduleStatus.PENDING),
        to_attr="pending_wishes",
    )


def _report_page(request: HttpRequest, mission: Mission, *, by, pages: VolunteerPages) -> HttpResponse:
    support = mission.support
    help_request = support.help_request
    involves_money = help_request.involves_money or help_request.category.involves_money
    can_report = mission.status == MissionStatus.PLANNED and support.status == SupportStatus.ACTIVE
    started = mission.scheduled_at <= timezone.now()
    form = MissionReportForm(posted(request), involves_money=involves_money, mission=mission)
    if request.method == "POST":
        if not can_report:
            messages.info(request, "Le compte rendu de cette mission a déjà été envoyé. Merci !")
            return redirect(pages.report(mission.pk))
        if form.is_valid():
            data = form.cleaned_data
            with form_service_errors(form, services.MissionNotStarted):
                try:
                    services.mission_report(
                        mission=mission,
                        done=data["outcome"] == "done",
                        by=by,
                        duration_minutes=data.get("duration_minutes"),
                        notes=data.get("notes", ""),
                        amount_advanced=data.get("amount_advanced"),
                        missed_reason=data.get("missed_reason", ""),
                    )
                except TransitionNotAllowed:
                    messages.info(request, "Le compte rendu de cette mission a déjà été envoyé. Merci !")
                else:
                    messages.success(request, "Merci ! Votre compte rendu est enregistré.")
                return redirect(pages.report(mission.pk))
    evaluation_done = Evaluation.objects.filter(support=support, author=EvaluationAuthor.VOLUNTEER).exists()
    return render(
        request,
        "missions/mission_report.html",
        {
            "mission": mission,
            "support": support,
            "help_request": help_request,
            "form": form,
            "can_report": can_report,
            "started": started,
            "pending_wish": mission.reschedule_requests.filter(status=RescheduleStatus.PENDING).first(),
            "support_ended": support.status == SupportStatus.ENDED,
            "evaluation_done": evaluation_done,
            "pages": pages,
            "report_url": pages.report(mission.pk),
            "reschedule_url": pages.reschedule(mission.pk),
        },
        status=400 if request.method == "POST" else 200,
    )


def _reschedule_page(request: HttpRequest, mission: Mission, *, by, pages: VolunteerPages) -> HttpResponse:
    """« Demander un autre créneau »: the wished date and a note, for the coordinator to answer."""
    movable = mission.status == MissionStatus.PLANNED and mission.support.status == SupportStatus.ACTIVE
    pending = mission.reschedule_requests.filter(status=RescheduleStatus.PENDING).first()
    form = RescheduleRequestForm(posted(request))
    if request.method == "POST" and movable and pending is None and form.is_valid():
        with form_service_errors(form, services.RescheduleError):
            services.reschedule_request(
                mission=mission, wished_at=form.cleaned_data["wished_at"], note=form.cleaned_data["note"], by=by
            )
            messages.success(request, "Votre demande est envoyée à la coordination, qui vous répondra.")
            return redirect(pages.report(mission.pk))
    return render(
        request,
        "missions/mission_reschedule.html",
        {
            "mission": mission,
            "support": mission.support,
            "form": form,
            "movable": movable,
            "pending_wish": pending,
            "pages": pages,
            "report_url": pages.report(mission.pk),
        },
        status=400 if request.method == "POST" else 200,
    )


@volunteer_required
def volunteer_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = request.user.volunteer
    support = get_object_or_404(
        Support.objects.for_volunteer(volunteer).select_related("resident", "help_request__category"), pk=pk
    )
    existing = Evaluation.objects.filter(support=support, author=EvaluationAuthor.VOLUNTEER).first()
    form = EvaluationForm(posted(request))
    if request.method == "POST" and support.status == SupportStatus.ENDED and existing is None and form.is_valid():
        try:
            services.evaluation_record(
                support=support,
                author=EvaluationAuthor.VOLUNTEER,
                **form.answers(),
                channel=EvaluationChannel.ONLINE,
                by=request.user,
            )
            messages.success(request, "Merci pour votre avis !")
        except services.EvaluationExists as exc:
            messages.info(request, str(exc))
        return redirect("missions:volunteer_evaluation", pk=support.pk)
    return render(
        request,
        "missions/volunteer_evaluation.html",
        {
            "support": support,
            "form": form,
            "existing": existing,
            "is_ended": support.status == SupportStatus.ENDED,
        },
        status=400 if request.method == "POST" and existing is None and support.status == SupportStatus.ENDED else 200,
    )
