"""Writes on needs: save, publish/close/cancel, tell volunteers, sign-ups, waiting list,
reminders, attendance.

Places are counted under a row lock on the shift (select_for_update): two sign-ups for the
last place are serialised, the second one goes to the waiting list. A partial unique
constraint keeps one live sign-up per volunteer and shift whatever happens. Messages are
queued and leave after commit (notifications.services).
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from villesolidaire.accounts.perms import is_coordinator
from villesolidaire.audit.services import record_episode_change
from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.fields import link_expired, link_token
from villesolidaire.core.hooks import Hook
from villesolidaire.core.tenancy import site_url
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.crises.models import Episode
from villesolidaire.crises.selectors import episode_for
from villesolidaire.needs.models import (
    NEED_WORKFLOW,
    NOTIFICATION_WORKFLOW,
    PLACE_HOLDING,
    SIGNUP_WORKFLOW,
    Need,
    NeedInvitation,
    NeedNotification,
    NeedStatus,
    NotificationStatus,
    Shift,
    ShiftSignup,
    SignupStatus,
)
from villesolidaire.needs.selectors import Selection, select_volunteers
from villesolidaire.notifications.services import PersonalLink, contact_send, email_send
from villesolidaire.partners.models import OrganisationStatus
from villesolidaire.territory.geocoding import locate
from villesolidaire.territory.models import Town
from villesolidaire.trainings.models import VolunteerTraining
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer

logger = logging.getLogger(__name__)
MAX_SHIFT_HOURS = Decimal("24")


class NeedError(Exception):
    """The action cannot be done; the message is French, for the user."""


# ---------------------------------------------------------------- links and messages


def invitation_link(invitation: NeedInvitation) -> PersonalLink:
    return PersonalLink(site_url() + reverse("needs:invitation", args=[link_token(invitation)]))


def signup_link(signup: ShiftSignup) -> PersonalLink:
    return PersonalLink(site_url() + reverse("needs:signup_link", args=[link_token(signup)]))


def invitation_link_expired(invitation: NeedInvitation, now: datetime.datetime | None = None) -> bool:
    """A need's invitation opens its page for `VS_LINK_MAX_AGE_DAYS` after it was sent."""
    return link_expired(invitation.sent_at, hours=24 * settings.VS_LINK_MAX_AGE_DAYS, now=now)


def signup_link_expired(signup: ShiftSignup, now: datetime.datetime | None = None) -> bool:
    """A sign-up's link opens its page until `VS_LINK_GRACE_HOURS` after the shift ended."""
    return link_expired(signup.shift.ends_at, now=now)


def _tell(volunteer: Volunteer, *, template: str, subject: str, kind: str, **context) -> None:
    contact_send(
        email=volunteer.email,
        phone=volunteer.phone.as_e164 if volunteer.phone else "",
        subject=subject,
        email_template=f"needs/messages/{template}_email.txt",
        sms_template=f"needs/messages/{template}_sms.txt",
        context={"volunteer": volunteer, **context},
        kind=kind,
    )


def _tell_signup(signup: ShiftSignup, *, template: str, subject: str, kind: str) -> None:
    shift = signup.shift
    _tell(
        signup.volunteer,
        template=template,
        subject=subject,
        kind=kind,
        signup=signup,
        shift=shift,
        need=shift.need,
        link=signup_link(signup),
        start=timezone.localtime(shift.starts_at),
        end=timezone.localtime(shift.ends_at),
    )


# ---------------------------------------------------------------- needs


@transaction.atomic
def need_save(*, need: Need, by, skills=(), trainings=(), address_changed: bool = True) -> Need:
    """Create or update a need from a validated form (fields already applied)."""
    if need.organisation_id and need.organisation.status == OrganisationStatus.SUSPENDED:
        raise NeedError("Cette organisation est suspendue : elle ne peut pas poster de besoin.")
    if address_changed:
        locate(need)
    need.updated_at = timezone.now()
    creating = need.pk is None
    if creating:
        need.created_by = by
        # The crisis episode under way over its quartier when it is created, if any.
        need.episode = episode_for(timezone.localdate(need.created_at), need.quartier_id)
    need.save()
    need.skills.set(skills)
    need.trainings.set(trainings)
    if creating:
        NEED_WORKFLOW.log_creation(need, by=by, note="Création")
    return need


@transaction.atomic
def need_set_episode(*, need: Need, episode: Episode | None, by, request=None) -> Need:
    """Link the need to another crisis episode, or to none; written to the audit log."""
    locked = Need.objects.select_for_update(of=("self",)).select_related("episode").get(pk=need.pk)
    old = locked.episode
    if (old and old.pk) == (episode and episode.pk):
        return locked
    locked.episode = episode
    locked.updated_at = timezone.now()
    locked.save(update_fields=["episode", "updated_at"])
    record_episode_change(target=locked, old=old, new=episode, by=by, request=request)
    return locked


IMPORTED_DATES = "Une mission importée garde les dates de son flux : elles changent au prochain import."


@transaction.atomic
def shift_add(*, need: Need, starts_at: datetime.datetime, ends_at: datetime.datetime, places: int) -> Shift:
    if need.is_external:
        raise NeedError(IMPORTED_DATES)
    if need.status == NeedStatus.CANCELLED:
        raise NeedError("Ce besoin est annulé : on ne peut plus y ajouter de créneau.")
    if ends_at <= starts_at:
        raise NeedError("La fin du créneau doit être après son début.")
    if starts_at < timezone.now():
        raise NeedError("Ce créneau commence dans le passé.")
    return Shift.objects.create(need=need, starts_at=starts_at, ends_at=ends_at, places=places)


@transaction.atomic
def shift_delete(*, shift: Shift) -> None:
    if shift.need.is_external:
        raise NeedError(IMPORTED_DATES)
    if ShiftSignup.objects.filter(shift=shift).exclude(status=SignupStatus.CANCELLED).exists():
        raise NeedError(
            "Des volontaires sont inscrit·es sur ce créneau : annulez plutôt le besoin ou leurs inscriptions."
        )
    shift.delete()


def _check_may_publish(need: Need) -> None:
    if need.organisation_id and need.organisation.status != OrganisationStatus.VALIDATED:
        raise NeedError("Votre organisation n'est pas encore validée par la commune : le besoin reste en brouillon.")
    if not need.shifts.upcoming().exists():
        raise NeedError("Ajoutez au moins un créneau à venir avant de publier.")


@transaction.atomic
def need_change_status(*, need: Need, to_status: str, by, note: str = "") -> Need:
    """Publish, close, reopen or cancel. Cancelling cancels the sign-ups and tells the volunteers."""
    try:
        NEED_WORKFLOW.check(Need.objects.select_for_update().get(pk=need.pk).status, to_status)
        if to_status == NeedStatus.PUBLISHED:
            _check_may_publish(need)
        need.transition(to_status, by=by, note=note)
    except TransitionNotAllowed as exc:
        raise NeedError(str(exc)) from exc
    if to_status == NeedStatus.CANCELLED:
        now = timezone.now()
        live = list(
            ShiftSignup.objects.select_for_update()
            .filter(shift__need=need, shift__ends_at__gt=now)
            .exclude(status=SignupStatus.CANCELLED)
            .select_related("volunteer", "shift__need")
        )
        SIGNUP_WORKFLOW.apply_many(
            ShiftSignup.objects.filter(pk__in=[s.pk for s in live]),
            SignupStatus.CANCELLED,
            by=by,
            at=now,
            note="Besoin annulé",
            cancelled_at=now,
        )
        for signup in live:
            _tell_signup(signup, template="need_cancelled", subject=f"Annulé : {need.title}", kind="need_cancelled")
    return need


# ---------------------------------------------------------------- telling volunteers


def check_may_notify(need: Need) -> None:
    if need.is_external:
        raise NeedError("Ce besoin vient d'un autre site : les volontaires s'y inscrivent directement.")
    if need.status != NeedStatus.PUBLISHED:
        raise NeedError("Publiez le besoin avant de prévenir les volontaires.")
    check_places_left(list(need.shifts.upcoming().with_places_held()))


def check_places_left(shifts: list[Shift]) -> None:
    """Refuse to tell volunteers about shifts they could not take: none to come, or all full
    (`shifts` are the upcoming ones, `with_places_held()`). Those told would only reach the
    waiting list."""
    if not shifts:
        raise NeedError("Aucun créneau à venir : ajoutez un créneau avant de prévenir les volontaires.")
    if all(shift.is_full for shift in shifts):
        raise NeedError(
            "Tous les créneaux sont complets : les volontaires prévenu·es ne pourraient s'inscrire qu'en "
            "liste d'attente. Ajoutez un créneau ou des places avant de les prévenir."
        )


NEED_NOTIFY_SEND = "need_notify"
INVITATION_CHANNEL_NOTE = (
    "Par SMS aux volontaires qui ont un mobile, sinon par e-mail. Chacun·e n'est prévenu·e qu'une fois."
)


def invitation_preview_text(need: Need, shifts: list) -> str:
    """The SMS a volunteer would read about this need (`shifts`: the upcoming ones), with
    placeholders in place of the first name and the personal link."""
    first = timezone.localtime(shifts[0].starts_at) if shifts else None
    context = {"volunteer": {"first_name": "[Prénom]"}, "need": need, "shifts": shifts, "first": first}
    return render_to_string("needs/messages/invitation_sms.txt", {**context, "link": "[lien personnel]"}).strip()


def need_notify_preview(*, need: Need) -> SendPreview:
    """What the partner or coordinator confirms: how many volunteers, and the SMS they will read."""
    check_may_notify(need)
    selection = select_volunteers(need)
    shifts = list(need.shifts.upcoming())
    return preview(
        action=f"{NEED_NOTIFY_SEND}:{need.pk}",
        recipients=selection.volunteer_ids,
        text=invitation_preview_text(need, shifts),
        channel_note=INVITATION_CHANNEL_NOTE,
    )


def approval_threshold() -> int:
    town = Town.current()
    return town.need_notification_approval_threshold if town else 0


@transaction.atomic
def need_notify_request(*, need: Need, by, confirmation: str = "") -> NeedNotification:
    """A confirmed « prévenir les volontaires »: record how many were confirmed; a partner's send
    above the town's threshold waits for a coordinator, any other is approved at once (the
    caller then queues it, tasks.need_notify_schedule). Several recipients need the token of
    `need_notify_preview` for the same people (SendNotConfirmed otherwise)."""
    locked = Need.objects.select_for_update().get(pk=need.pk)
    shown = need_notify_preview(need=locked)
    if locked.notifications.awaiting_approval().exists():
        raise NeedError("Un envoi pour ce besoin attend déjà la validation de la coordination.")
    recipients = select_volunteers(locked).volunteer_ids
    if not recipients:
        raise NeedError("Personne d'autre à prévenir pour l'instant.")
    check_confirmation(
        action=f"{NEED_NOTIFY_SEND}:{need.pk}", recipients=recipients, text=shown.text, token=confirmation
    )
    threshold = approval_threshold()
    waits = not (by is not None and is_coordinator(by)) and threshold > 0 and len(recipients) > threshold
    notification = NeedNotification.objects.create(
        need=locked,
        recipient_count=len(recipients),
        status=NotificationStatus.AWAITING if waits else NotificationStatus.APPROVED,
        requested_by=by,
    )
    note = f"{len(recipients)} volontaires, au-delà du seuil de {threshold} : à valider" if waits else "Envoi confirmé"
    NOTIFICATION_WORKFLOW.log_creation(notification, by=by, note=note)
    if not waits:
        notification.decided_by, notification.decided_at = by, notification.requested_at
        notification.save(update_fields=["decided_by", "decided_at"])
    return notification


@transaction.atomic
def need_notification_decide(
    *, notification: NeedNotification, approve: bool, by, reason: str = ""
) -> NeedNotification:
    """A coordinator approves or refuses a partner's send waiting for approval; the partner is
    told by e-mail. An approved send is then queued by the caller (tasks.need_notify_schedule)."""
    if not approve and not reason.strip():
        raise NeedError("Indiquez au partenaire pourquoi l'envoi est refusé.")
    target = NotificationStatus.APPROVED if approve else NotificationStatus.REFUSED
    now = timezone.now()
    try:
        NOTIFICATION_WORKFLOW.apply(
            notification,
            target,
            by=by,
            note=reason.strip()[:300],
            at=now,
            decided_by=by,
            decided_at=now,
            refusal_reason="" if approve else reason.strip()[:300],
        )
    except TransitionNotAllowed as exc:
        raise NeedError("Cet envoi a déjà été traité par un·e autre coordinateur·rice.") from exc
    if approve:
        check_may_notify(notification.need)  # filled or unpublished since the partner asked: rolled back
    _tell_requester(notification)
    return notification


def _tell_requester(notification: NeedNotification) -> None:
    requester = notification.requested_by
    if requester is None or not requester.email or not requester.is_active:
        return
    approved = notification.status == NotificationStatus.APPROVED
    email_send(
        to=requester.email,
        subject=f"Envoi aux volontaires {'validé' if approved else 'refusé'} : {notification.need.title}",
        template="needs/messages/notification_decided_email.txt",
        context={"notification": notification, "need": notification.need, "approved": approved},
        kind="need_notification_decided",
    )


def need_notify_volunteers(*, notification_id: int) -> Selection:
    """Tell the relevant volunteers not told yet (each volunteer once per need, ever), for an
    approved, not yet sent notification, at most as many as were confirmed.

    The need row is locked while choosing, so two presses in a row cannot pick the same
    people; the unique (need, volunteer) constraint settles anything else.
    """
    with transaction.atomic():
        notification = NeedNotification.objects.select_for_update().get(pk=notification_id)
        if notification.status != NotificationStatus.APPROVED or notification.sent_at is not None:
            raise NeedError("Cet envoi n'est pas validé ou est déjà parti.")
        need = Need.objects.select_for_update().get(pk=notification.need_id)
        check_may_notify(need)
        selection = select_volunteers(need, limit=notification.recipient_count)
        NeedInvitation.objects.bulk_create(
            [NeedInvitation(need=need, volunteer_id=volunteer_id) for volunteer_id in selection.volunteer_ids],
            ignore_conflicts=True,
        )
        invitations = NeedInvitation.objects.filter(
            need=need, volunteer_id__in=selection.volunteer_ids
        ).select_related("volunteer")
        need = Need.objects.select_related("organisation").get(pk=need.pk)
        shifts = list(need.shifts.upcoming())
        for invitation in invitations:
            _tell(
                invitation.volunteer,
                template="invitation",
                subject=f"On a besoin de vous : {need.title}",
                kind="need_invitation",
                need=need,
                shifts=shifts,
                link=invitation_link(invitation),
                first=timezone.localtime(shifts[0].starts_at) if shifts else None,
            )
        notification.sent_count, notification.sent_at = len(selection.volunteer_ids), timezone.now()
        notification.save(update_fields=["sent_count", "sent_at"])
    logger.info(
        "Need %s: %s volunteers told, %s left out for want of training",
        need.pk,
        len(selection.volunteer_ids),
        selection.lacking_training,
    )
    return selection


# ---------------------------------------------------------------- sign-ups


@dataclass
class SignupResult:
    signup: ShiftSignup
    created: bool


def missing_trainings(volunteer: Volunteer, need: Need, day: datetime.date) -> list[str]:
    required = {module.pk: module.title for module in need.trainings.all()}
    if not required:
        return []
    held = set(
        VolunteerTraining.objects.valid_on(day)
        .filter(volunteer=volunteer, module_id__in=required)
        .values_list("module_id", flat=True)
    )
    return [title for pk, title in required.items() if pk not in held]


need_full = Hook(
    "A sign-up took the last place of a need's upcoming shifts, in the same transaction: run(need=). "
    "The API queues its webhooks."
)


def signup_create(*, shift: Shift, volunteer: Volunteer, now: datetime.datetime | None = None) -> SignupResult:
    """Sign a volunteer up: a place while there is one (to be confirmed), else the waiting list."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _signup_locked(shift, volunteer, now)
    except IntegrityError:
        # The same volunteer signed up twice at once (double click): keep the first one.
        existing = (
            ShiftSignup.objects.filter(shift=shift, volunteer=volunteer).exclude(status=SignupStatus.CANCELLED).first()
        )
        if existing is None:
            raise
        return SignupResult(existing, False)


def _signup_locked(shift: Shift, volunteer: Volunteer, now: datetime.datetime) -> SignupResult:
    shift = Shift.objects.select_for_update().select_related("need").get(pk=shift.pk)
    existing = (
        ShiftSignup.objects.filter(shift=shift, volunteer=volunteer).exclude(status=SignupStatus.CANCELLED).first()
    )
    if existing:
        return SignupResult(existing, False)
    need = shift.need
    if need.status != NeedStatus.PUBLISHED or need.is_external:
        raise NeedError("Ce besoin n'est plus ouvert aux inscriptions.")
    if shift.starts_at <= now:
        raise NeedError("Ce créneau a déjà commencé : on ne peut plus s'y inscrire.")
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise NeedError(
            "Votre participation n'est pas active (en pause ou en attente de validation) : contactez le CCAS."
        )
    missing = missing_trainings(volunteer, need, timezone.localtime(shift.starts_at).date())
    if missing:
        raise NeedError(f"Ce créneau demande une formation que vous n'avez pas (ou plus) : {', '.join(missing)}.")
    taken = ShiftSignup.objects.filter(shift=shift, status__in=PLACE_HOLDING).count()
    status = SignupStatus.PENDING if taken < shift.places else SignupStatus.WAITING
    with transaction.atomic():  # savepoint: a duplicate must not poison the outer transaction
        # Stamped after the lock: the waiting list follows the order places were handed out.
        signup = ShiftSignup.objects.create(shift=shift, volunteer=volunteer, status=status, created_at=timezone.now())
        SIGNUP_WORKFLOW.log_creation(signup, by=volunteer.user, at=signup.created_at)
    signup.shift = shift
    if status == SignupStatus.PENDING and taken + 1 >= shift.places and _all_upcoming_full(need, now):
        need_full.run(need=need)
    if status == SignupStatus.PENDING:
        _tell_signup(
            signup, template="signup_pending", subject=f"Inscription reçue : {need.title}", kind="shift_signup"
        )
    else:
        _tell_signup(
            signup, template="signup_waiting", subject=f"Liste d'attente : {need.title}", kind="shift_waiting"
        )
    return SignupResult(signup, True)


def _all_upcoming_full(need: Need, now: datetime.datetime) -> bool:
    shifts = list(need.shifts.upcoming(now).with_places_held())
    return bool(shifts) and all(shift.is_full for shift in shifts)


def _move(
    signup: ShiftSignup, target: str, *, by, at: datetime.datetime | None = None, note: str = "", **changes
) -> None:
    """Sign-ups move under their shift's lock, taken by the caller."""
    try:
        SIGNUP_WORKFLOW.apply(signup, target, by=by, at=at, note=note, lock=False, **changes)
    except TransitionNotAllowed as exc:
        raise NeedError(str(exc)) from exc


@transaction.atomic
def signup_confirm(*, signup: ShiftSignup, by) -> ShiftSignup:
    Shift.objects.select_for_update().filter(pk=signup.shift_id).first()
    signup = ShiftSignup.objects.select_related("volunteer", "shift__need").get(pk=signup.pk)
    if signup.status == SignupStatus.CONFIRMED:
        return signup
    _move(signup, SignupStatus.CONFIRMED, by=by, confirmed_at=timezone.now(), confirmed_by=by)
    _tell_signup(
        signup,
        template="signup_confirmed",
        subject=f"Inscription confirmée : {signup.shift.need.title}",
        kind="shift_confirmed",
    )
    return signup


def signup_cancel(*, signup: ShiftSignup, by=None, now: datetime.datetime | None = None) -> ShiftSignup | None:
    """Cancel a sign-up (by the volunteer or the organiser). When it held a place, the first
    person on the waiting list takes it and is told. Returns the promoted sign-up, if any."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = Shift.objects.select_for_update().select_related("need").get(pk=signup.shift_id)
        signup = ShiftSignup.objects.select_related("volunteer").get(pk=signup.pk)
        if signup.status == SignupStatus.CANCELLED:
            return None
        if shift.ends_at <= now:
            raise NeedError("Ce créneau est passé : notez plutôt l'absence.")
        held_place = signup.status in PLACE_HOLDING
        _move(signup, SignupStatus.CANCELLED, by=by, at=now, cancelled_at=now)
        promoted = _promote_first_waiting(shift, now) if held_place else None
    logger.info("Sign-up %s cancelled by user %s", signup.pk, getattr(by, "pk", None))
    return promoted


def signups_cancel_for_volunteer(*, volunteer: Volunteer, by, now: datetime.datetime | None = None) -> int:
    """A volunteer withdraws: their sign-ups for shifts still to come are cancelled and the places
    go to the waiting lists. Returns how many were cancelled."""
    now = now or timezone.now()
    upcoming = (
        ShiftSignup.objects.filter(volunteer=volunteer, shift__ends_at__gt=now)
        .exclude(status=SignupStatus.CANCELLED)
        .order_by("pk")
    )
    cancelled = 0
    for signup in upcoming:
        signup_cancel(signup=signup, by=by, now=now)
        cancelled += 1
    return cancelled


def _promote_first_waiting(shift: Shift, now: datetime.datetime) -> ShiftSignup | None:
    """Give the freed place to the first in line (the shift row is locked by the caller)."""
    if (
        shift.starts_at <= now
        or ShiftSignup.objects.filter(shift=shift, status__in=PLACE_HOLDING).count() >= shift.places
    ):
        return None
    first = (
        ShiftSignup.objects.filter(shift=shift, status=SignupStatus.WAITING)
        .select_related("volunteer")
        .order_by("created_at", "pk")
        .first()
    )
    if first is None:
        return None
    _move(first, SignupStatus.PENDING, by=None, at=now, note="Place libérée", promoted_at=now)
    first.shift = shift
    _tell_signup(
        first,
        template="signup_promoted",
        subject=f"Une place s'est libérée : {shift.need.title}",
        kind="shift_promoted",
    )
    return first


# ---------------------------------------------------------------- reminders and attendance


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the volunteers holding a place on tomorrow's shifts (of published needs, and of
    closed ones: closing stops sign-ups, not the event). At most one reminder per sign-up: each
    one is claimed by a conditional UPDATE before its message is queued."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    due = (
        ShiftSignup.objects.filter(
            status__in=PLACE_HOLDING,
            reminder_sent_at__isnull=True,
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .exclude(shift__need__status=NeedStatus.CANCELLED)
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            if not ShiftSignup.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue  # another run got it first
            signup = ShiftSignup.objects.select_related("volunteer", "shift__need").get(pk=pk)
            _tell_signup(
                signup,
                template="reminder",
                subject=f"Rappel : {signup.shift.need.title} demain",
                kind="shift_reminder",
            )
            sent += 1
    return sent


@transaction.atomic
def attendance_record(*, signup: ShiftSignup, attended: bool, hours: Decimal | None, by) -> ShiftSignup:
    """Present or absent, after the shift has started. Hours default to the shift's length."""
    signup = ShiftSignup.objects.select_for_update().select_related("shift").get(pk=signup.pk)
    shift = signup.shift
    if shift.starts_at > timezone.now():
        raise NeedError("La présence se note une fois le créneau commencé.")
    if signup.status not in PLACE_HOLDING:
        raise NeedError("Seules les personnes inscrites sur une place peuvent être notées présentes.")
    if attended:
        hours = shift.duration_hours if hours is None else Decimal(hours)
        if hours < 0 or hours > MAX_SHIFT_HOURS:
            raise NeedError("Nombre d'heures invalide : entre 0 et 24.")
    else:
        hours = None
    signup.attended, signup.hours = attended, hours
    signup.attendance_recorded_at, signup.attendance_recorded_by = timezone.now(), by
    signup.save(update_fields=["attended", "hours", "attendance_recorded_at", "attendance_recorded_by"])
    return signup
