"""Writes on supports, missions and evaluations.

Every mission status change goes through `mission_transition` (MISSION_WORKFLOW.apply: checked,
logged in MissionTransition); a support is created by `support_create` and ended by `support_end`
(SUPPORT_WORKFLOW, logged in SupportTransition). The resident is told about each step through
notifications.resident_inform: an SMS when they have a mobile, otherwise a call task; after a
report the text comes from `resident_texts`, which states only what the mission row records.

A mission cannot be reported before it starts; the volunteer asks for another date instead
(`reschedule_request`), which a coordinator accepts (the mission moves, planned → planned, logged)
or refuses. `support_link_issue` gives the accepting volunteer a no-login key to the support's
report pages (SupportLink).
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from villesolidaire.accounts.models import User
from villesolidaire.core.dates import add_months
from villesolidaire.core.fields import link_token
from villesolidaire.core.hooks import Hook
from villesolidaire.core.service_errors import duplicate_refused
from villesolidaire.core.tenancy import site_url
from villesolidaire.crises.selectors import episode_for
from villesolidaire.help_requests.enums import ClosureReason, Recurrence
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.missions.enums import (
    MISSION_WORKFLOW,
    RESCHEDULE_WORKFLOW,
    SUPPORT_WORKFLOW,
    EvaluationAuthor,
    MissedReason,
    MissionStatus,
    RescheduleStatus,
    SupportKind,
    SupportStatus,
)
from villesolidaire.missions.models import Evaluation, Mission, RescheduleRequest, Support, SupportLink
from villesolidaire.missions.resident_texts import moved_text, report_text
from villesolidaire.notifications.services import contact_send, email_send, resident_inform
from villesolidaire.territory.models import Town

MAX_SERIES = 12


class SupportClosed(Exception):
    """The support has ended: no new mission can be planned. The message is French, for users."""


class MissionNotStarted(Exception):
    """A report sent before the mission's start: refused (the volunteer may ask for another date)."""


class RescheduleError(Exception):
    """A request for another date that cannot be made or answered. The message is French, for users."""


def when_label(moment: datetime) -> str:
    """'mardi 3 mars à 14 h 30' in the town's time zone, for messages to residents."""
    local = timezone.localtime(moment)
    minutes = f"{local.minute:02d}" if local.minute else ""
    return f"{date_format(local, 'l j F')} à {local.hour} h {minutes}".rstrip()


def next_occurrences(first: datetime, recurrence: str, count: int) -> list[datetime]:
    """`count` dates from `first` following the request's rhythm (wall-clock time kept across DST)."""
    local_first = timezone.localtime(first)
    naive = local_first.replace(tzinfo=None)
    dates = []
    for index in range(count):
        if recurrence == Recurrence.MONTHLY:
            moment = add_months(naive, index)
        elif recurrence == Recurrence.FORTNIGHTLY:
            moment = naive + timedelta(weeks=2 * index)
        else:
            moment = naive + timedelta(weeks=index)
        dates.append(timezone.make_aware(moment))
    return dates


def mission_transition(*, mission: Mission, target: str, by, note: str = "") -> Mission:
    """The only way to change a mission's status. Raises TransitionNotAllowed (French message)."""
    mission = MISSION_WORKFLOW.apply(mission, target, by=by, note=note)
    _close_pending_wishes(mission, by=by)
    return mission


def _close_pending_wishes(mission: Mission, *, by) -> None:
    """A mission no longer planned (reported, cancelled, handed over) cannot be moved: a pending
    « autre créneau » request is answered « sans objet » (logged), without a message to anyone."""
    if mission.status == MissionStatus.PLANNED:
        return
    label = MissionStatus(mission.status).label.lower()
    for wish in RescheduleRequest.objects.select_for_update().filter(mission=mission, status=RescheduleStatus.PENDING):
        RESCHEDULE_WORKFLOW.apply(
            wish,
            RescheduleStatus.REFUSED,
            by=by,
            note=f"Sans objet : mission {label} entre-temps",
            lock=False,
            answered_at=timezone.now(),
            refusal_reason=f"Sans objet : mission {label} entre-temps.",
        )


def _resident_inform_mission(mission: Mission, text: str, kind: str) -> None:
    support = mission.support
    resident_inform(
        resident=support.resident, text=text, kind=kind, help_request=support.help_request, support=support
    )


@transaction.atomic
def mission_plan(*, support: Support, scheduled_at: datetime, by, inform: bool = True) -> Mission:
    support = (
        Support.objects.select_for_update().select_related("resident", "volunteer", "help_request").get(pk=support.pk)
    )
    if support.status != SupportStatus.ACTIVE:
        raise SupportClosed("Ce soutien est terminé : on ne peut plus y prévoir de mission.")
    # The episode under way on its day over the resident's quartier, else the support's.
    episode = episode_for(timezone.localdate(scheduled_at), support.resident.quartier_id)
    mission = Mission.objects.create(
        support=support,
        scheduled_at=scheduled_at,
        status=MissionStatus.PLANNED,
        episode_id=episode.pk if episode else support.episode_id,
    )
    MISSION_WORKFLOW.log_creation(mission, by=by)
    if inform:
        _resident_inform_mission(
            mission,
            f"{support.volunteer.first_name}, volontaire, viendra vous aider le {when_label(scheduled_at)}.",
            "mission_planned",
        )
    return mission


@transaction.atomic
def mission_plan_series(*, support: Support, first_at: datetime, count: int, by) -> list[Mission]:
    """Plan the next `count` occurrences of a recurring support; the resident gets one message."""
    count = max(1, min(count, MAX_SERIES))
    dates = next_occurrences(first_at, support.help_request.recurrence, count)
    missions = [mission_plan(support=support, scheduled_at=moment, by=by, inform=False) for moment in dates]
    if len(dates) == 1:
        text = f"{support.volunteer.first_name}, volontaire, viendra vous aider le {when_label(dates[0])}."
    else:
        text = (
            f"{support.volunteer.first_name}, volontaire, viendra vous aider {len(dates)} fois, "
            f"à partir du {when_label(dates[0])}."
        )
    _resident_inform_mission(missions[0], text, "mission_planned")
    return missions


def _hotline() -> str:
    town = Town.current()
    return str(town.hotline_phone) if town and town.hotline_phone else ""


def _inform_report(mission: Mission, kind: str) -> None:
    """Tell the resident the outcome the mission row now records (resident_texts)."""
    mission = Mission.objects.select_related("support__resident", "support__volunteer", "support__help_request").get(
        pk=mission.pk
    )
    text = report_text(
        mission,
        volunteer_name=mission.support.volunteer.first_name,
        when=when_label,
        hotline=_hotline(),
        now=timezone.now(),
    )
    _resident_inform_mission(mission, text, kind)


def not_started_message(mission: Mission) -> str:
    return (
        f"Cette mission commence le {when_label(mission.scheduled_at)} : vous pourrez envoyer son compte rendu "
        "une fois commencée. Si la date ne convient plus, demandez un autre créneau."
    )


@transaction.atomic
def mission_report(
    *,
    mission: Mission,
    done: bool,
    by,
    duration_minutes: int | None = None,
    notes: str = "",
    amount_advanced: Decimal | None = None,
    missed_reason: str = "",
) -> Mission:
    """The volunteer's report: done (duration, notes, amount advanced) or missed (and why).
    Refused (MissionNotStarted) before the mission's start: nothing can have happened yet."""
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    now = timezone.now()
    if mission.scheduled_at > now:
        raise MissionNotStarted(not_started_message(mission))
    if done:
        missed_reason = ""
    elif missed_reason not in MissedReason.values:
        missed_reason = MissedReason.OTHER
    target = MissionStatus.DONE if done else MissionStatus.MISSED
    mission = MISSION_WORKFLOW.apply(
        mission,
        target,
        by=by,
        note="Compte rendu du·de la volontaire",
        at=now,
        lock=False,
        report=notes.strip()[:2000],
        duration_minutes=duration_minutes if done else None,
        amount_advanced=amount_advanced if done else None,
        done_at=now if done else None,
        missed_reason=missed_reason,
    )
    _close_pending_wishes(mission, by=by)
    _inform_report(mission, "mission_done" if done else "mission_missed")
    if done:
        mission_done.run(mission=mission)
    return mission


@transaction.atomic
def mission_cancel(*, mission: Mission, by, reason: str = "") -> Mission:
    mission = mission_transition(mission=mission, target=MissionStatus.CANCELLED, by=by, note=reason)
    _inform_report(mission, "mission_cancelled")
    return mission


def mission_reimburse(*, mission: Mission, by) -> bool:
    """Mark the money advanced on this mission as paid back. False when already done or nothing advanced."""
    updated = Mission.objects.filter(pk=mission.pk, reimbursed=False, amount_advanced__gt=0).update(
        reimbursed=True, reimbursed_at=timezone.now()
    )
    return bool(updated)


def support_kind_for(help_request) -> str:
    return SupportKind.ONE_OFF if help_request.recurrence == Recurrence.ONCE else SupportKind.RECURRING


@transaction.atomic  # a savepoint: a duplicate support (IntegrityError) leaves the caller's transaction usable
def support_create(*, help_request, volunteer, proposal=None, started_at: datetime, by) -> Support:
    """Pair a volunteer with the person for this request; `proposal` is the one they accepted.

    Support.proposal is one-to-one: a second support for the same proposal raises IntegrityError."""
    support = Support.objects.create(
        help_request=help_request,
        volunteer=volunteer,
        resident=help_request.resident,
        proposal=proposal,
        kind=support_kind_for(help_request),
        started_at=started_at,
        created_by=by,
        episode_id=help_request.episode_id,
    )
    SUPPORT_WORKFLOW.log_creation(support, by=by, at=started_at)
    support_started.run(support=support)
    return support


@transaction.atomic
def support_hand_over(*, support: Support, by, note: str, resident_text: str) -> Support:
    """The support goes on with an association (the dispositif closes): what is still planned is
    cancelled, the support moves to « Transmis à une association » through SUPPORT_WORKFLOW, the
    request is closed « Orientée vers un partenaire » if nothing else helps it, and the resident
    is told `resident_text`. partners.services.support_hand_over records to whom (the layers keep
    the organisation out of this app). Raises TransitionNotAllowed for a support no longer active."""
    support = (
        Support.objects.select_for_update().select_related("resident", "volunteer", "help_request").get(pk=support.pk)
    )
    SUPPORT_WORKFLOW.check(support.status, SupportStatus.HANDED_OVER)
    _cancel_planned_missions(support, by=by, note="Soutien transmis", handed_over=True)
    note = note.strip()[:300]
    SUPPORT_WORKFLOW.apply(
        support, SupportStatus.HANDED_OVER, by=by, note=note, lock=False, ended_at=timezone.now(), end_reason=note
    )
    help_request = support.help_request
    others_active = Support.objects.filter(help_request=help_request, status=SupportStatus.ACTIVE).exists()
    if help_request.status == RequestStatus.SUPPORTED and not others_active:
        help_request.transition(RequestStatus.CLOSED, by=by, note=note, closure_reason=ClosureReason.REFERRED)
    resident_inform(
        resident=support.resident,
        text=resident_text,
        kind="support_handed_over",
        help_request=help_request,
        support=support,
    )
    return support


def _cancel_planned_missions(support: Support, *, by, note: str, handed_over: bool) -> None:
    """Cancel what is still planned; the volunteer is told not to come (the resident hears of the
    support's end or handover from the caller of this function)."""
    planned = list(support.missions.filter(status=MissionStatus.PLANNED).order_by("scheduled_at"))
    for mission in planned:
        mission_transition(mission=mission, target=MissionStatus.CANCELLED, by=by, note=note)
    if not planned:
        return
    volunteer = support.volunteer
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject="Mission annulée : ne vous déplacez pas",
        email_template="missions/messages/missions_cancelled.txt",
        sms_template="missions/messages/missions_cancelled_sms.txt",
        context={
            "volunteer": volunteer,
            "handed_over": handed_over,
            "dates": [when_label(mission.scheduled_at) for mission in planned],
        },
        kind="missions_cancelled",
    )


@transaction.atomic
def support_end(*, support: Support, reason: str, by) -> Support:
    """End a support: cancel what is still planned, close the request if nothing else helps it,
    and ask both sides for their evaluation."""
    support = (
        Support.objects.select_for_update().select_related("resident", "volunteer", "help_request").get(pk=support.pk)
    )
    if support.status != SupportStatus.ACTIVE:
        return support
    _cancel_planned_missions(support, by=by, note="Fin du soutien", handed_over=False)
    end_reason = reason.strip()[:300]
    SUPPORT_WORKFLOW.apply(
        support,
        SupportStatus.ENDED,
        by=by,
        note=end_reason,
        lock=False,
        ended_at=timezone.now(),
        end_reason=end_reason,
    )
    help_request = support.help_request
    others_active = Support.objects.filter(help_request=help_request, status=SupportStatus.ACTIVE).exists()
    if help_request.status == RequestStatus.SUPPORTED and not others_active:
        help_request.transition(
            RequestStatus.CLOSED,
            by=by,
            note=f"Fin du soutien : {support.end_reason}",
            closure_reason=ClosureReason.DONE,
        )
    resident_inform(
        resident=support.resident,
        text=(
            "Votre soutien par les volontaires solidaires est terminé. Comment cela s'est-il passé ? "
            "Le CCAS aimerait votre avis (une note de 1 à 5)."
        ),
        kind="support_evaluation",
        help_request=help_request,
        support=support,
    )
    volunteer = support.volunteer
    link = site_url() + reverse("missions:volunteer_evaluation", args=[support.pk])
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject="Votre avis sur le soutien terminé",
        email_template="missions/messages/evaluation_request.txt",
        sms_template="missions/messages/evaluation_request_sms.txt",
        context={"volunteer": volunteer, "link": link},
        kind="support_evaluation",
    )
    return support


class EvaluationExists(Exception):
    """This side already gave its evaluation."""


support_started = Hook(
    "A volunteer was paired with a resident for a request, in the same transaction: run(support=). "
    "The API queues its webhooks."
)
mission_done = Hook(
    "A volunteer reported a mission done, in the same transaction: run(mission=). The API queues its webhooks."
)
evaluation_recorded = Hook(
    "An evaluation was recorded: run(evaluation=). Surveys offers its consented comment for quotation."
)


def evaluation_record(
    *,
    support: Support,
    author: str,
    rating: int,
    comment: str = "",
    channel: str = "",
    usefulness: int | None = None,
    kept_link: bool | None = None,
    quote_consent: bool = False,
    by,
) -> Evaluation:
    """One evaluation per side and support; the unique constraint settles double submits.
    Consent to be quoted means nothing without a comment: it is kept only with one."""
    if author not in EvaluationAuthor.values:
        raise ValueError(author)
    comment = comment.strip()[:1000]
    with duplicate_refused(EvaluationExists("Cette évaluation a déjà été enregistrée.")):
        evaluation = Evaluation.objects.create(
            support=support,
            author=author,
            rating=rating,
            usefulness=usefulness,
            kept_link=kept_link,
            comment=comment,
            quote_consent=bool(quote_consent and comment),
            channel=channel,
            recorded_by=by,
        )
        evaluation_recorded.run(evaluation=evaluation)
    return evaluation


# Another date: asked by the volunteer, answered by a coordinator ---------------------------------


def wished_date_problem(wished_at: datetime, now: datetime) -> str:
    """Why a mission cannot be moved to `wished_at` (French, for the form and the service), or ""."""
    if wished_at <= now:
        return "La nouvelle date doit être à venir."
    if wished_at > now + timedelta(days=366):
        return "La nouvelle date doit être dans l'année qui vient."
    return ""


@transaction.atomic
def reschedule_request(*, mission: Mission, wished_at: datetime, note: str = "", by) -> RescheduleRequest:
    """Record a volunteer's wish to move a planned mission and tell the coordinators."""
    mission = (
        Mission.objects.select_for_update()
        .select_related("support__volunteer", "support__help_request__category")
        .get(pk=mission.pk)
    )
    if mission.status != MissionStatus.PLANNED or mission.support.status != SupportStatus.ACTIVE:
        raise RescheduleError("Cette mission n'est plus prévue : on ne peut plus la déplacer.")
    problem = wished_date_problem(wished_at, timezone.now())
    if problem:
        raise RescheduleError(problem)
    if mission.reschedule_requests.filter(status=RescheduleStatus.PENDING).exists():
        raise RescheduleError("Une demande d'autre créneau attend déjà la réponse de la coordination.")
    wish = RescheduleRequest.objects.create(
        mission=mission, wished_at=wished_at, note=note.strip()[:300], requested_by=by
    )
    RESCHEDULE_WORKFLOW.log_creation(wish, by=by, note=wish.note)
    _tell_coordinators_of(wish)
    return wish


def _tell_coordinators_of(wish: RescheduleRequest) -> None:
    mission = wish.mission
    link = site_url() + reverse("missions:support_detail", args=[mission.support_id])
    for email in User.objects.coordinator_emails():
        email_send(
            to=email,
            subject=f"Autre créneau demandé : soutien n° {mission.support_id}",
            template="missions/messages/reschedule_requested_email.txt",
            context={
                "mission": mission,
                "before": when_label(mission.scheduled_at),
                "after": when_label(wish.wished_at),
                "note": wish.note,
                "link": link,
            },
            kind="reschedule_requested",
        )


def _pending_wish(wish: RescheduleRequest) -> RescheduleRequest:
    wish = (
        RescheduleRequest.objects.select_for_update()
        .select_related("mission__support__volunteer", "mission__support__resident", "mission__support__help_request")
        .get(pk=wish.pk)
    )
    if wish.status != RescheduleStatus.PENDING:
        raise RescheduleError("Cette demande d'autre créneau a déjà reçu une réponse.")
    return wish


@transaction.atomic
def reschedule_accept(*, wish: RescheduleRequest, by) -> Mission:
    """Move the mission to the wished date (planned → planned, logged) and tell both sides."""
    wish = _pending_wish(wish)
    mission = Mission.objects.select_for_update().get(pk=wish.mission_id)
    if mission.status != MissionStatus.PLANNED:
        raise RescheduleError("Cette mission n'est plus prévue : elle ne peut plus être déplacée. Refusez la demande.")
    problem = wished_date_problem(wish.wished_at, timezone.now())
    if problem:
        raise RescheduleError(f"{problem} Refusez la demande, ou prévoyez une nouvelle mission.")
    before, after = when_label(mission.scheduled_at), when_label(wish.wished_at)
    mission = MISSION_WORKFLOW.apply(
        mission,
        MissionStatus.PLANNED,
        by=by,
        note=f"Déplacée du {before} au {after}, à la demande du·de la volontaire",
        lock=False,
        scheduled_at=wish.wished_at,
    )
    RESCHEDULE_WORKFLOW.apply(wish, RescheduleStatus.ACCEPTED, by=by, lock=False, answered_at=timezone.now())
    support = wish.mission.support
    _resident_inform_mission(
        wish.mission,
        moved_text(volunteer_name=support.volunteer.first_name, before=before, after=after),
        "mission_moved",
    )
    _tell_volunteer_answer(wish, accepted=True, before=before, after=after)
    return mission


@transaction.atomic
def reschedule_refuse(*, wish: RescheduleRequest, by, reason: str = "") -> RescheduleRequest:
    """Keep the mission at its date; the volunteer is told (with the reason, if any)."""
    wish = _pending_wish(wish)
    reason = reason.strip()[:300]
    RESCHEDULE_WORKFLOW.apply(
        wish,
        RescheduleStatus.REFUSED,
        by=by,
        note=reason,
        lock=False,
        answered_at=timezone.now(),
        refusal_reason=reason,
    )
    mission = wish.mission
    _tell_volunteer_answer(
        wish, accepted=False, before=when_label(mission.scheduled_at), after=when_label(wish.wished_at)
    )
    return wish


def _tell_volunteer_answer(wish: RescheduleRequest, *, accepted: bool, before: str, after: str) -> None:
    volunteer = wish.mission.support.volunteer
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject="Votre demande d'autre créneau",
        email_template="missions/messages/reschedule_answer.txt",
        sms_template="missions/messages/reschedule_answer_sms.txt",
        context={
            "volunteer": volunteer,
            "accepted": accepted,
            "before": before,
            "after": after,
            "reason": wish.refusal_reason,
        },
        kind="reschedule_answered",
    )


# The support's own link -------------------------------------------------------------------------


def support_link_issue(*, support: Support, now: datetime | None = None) -> str:
    """The path of a fresh no-login link to this support's report pages, valid VS_LINK_MAX_AGE_DAYS
    (and no longer than the support, plus VS_LINK_GRACE_HOURS). Only its digest is stored; the path
    is shown on the page the volunteer is reading, on whichever address they reached it."""
    now = now or timezone.now()
    # The page issues a link each time it is shown: those of this support that expired go now.
    SupportLink.objects.filter(support=support, expires_at__lt=now).delete()
    link = SupportLink(support=support, created_at=now, expires_at=now + timedelta(days=settings.VS_LINK_MAX_AGE_DAYS))
    token = link_token(link)
    link.save()
    return reverse("missions:support_by_link", args=[token])


def follow_request_episode(*, help_request, old_episode_id: int | None) -> None:
    """The request moved to another crisis episode: its supports and missions that were on the old
    one move with it (one edited by itself since keeps its own). Connected to
    help_requests.services.episode_changed."""
    new_episode_id = help_request.episode_id
    Mission.objects.filter(support__help_request=help_request, episode_id=old_episode_id).update(
        episode_id=new_episode_id
    )
    Support.objects.filter(help_request=help_request, episode_id=old_episode_id).update(episode_id=new_episode_id)
