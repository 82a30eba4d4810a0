"""Writes on trainings: modules, sessions, registrations, attendance, completions, invitations.

Seats are counted under a row lock on the TrainingSession (select_for_update), so two
volunteers taking the last seat at once cannot both get it: the second goes to the waiting
list. Every status change of a session or registration is logged (SessionChange,
RegistrationChange) with who and when. Recording a training re-computes the volunteer's
`trainings_mask` in the matching index in the same transaction; messages leave after commit.
"""

import datetime
import logging
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from villesolidaire.core.confirmation import SendPreview, check_confirmation, preview
from villesolidaire.core.fields import link_expired, link_token
from villesolidaire.core.hooks import Hook
from villesolidaire.core.tenancy import site_url
from villesolidaire.core.workflow import TransitionNotAllowed
from villesolidaire.notifications.services import PersonalLink, contact_send
from villesolidaire.trainings.enums import (
    ACTIVE_STATUSES,
    REGISTRATION_WORKFLOW,
    SEAT_STATUSES,
    SESSION_WORKFLOW,
    RegistrationStatus,
    SessionStatus,
)
from villesolidaire.trainings.models import (
    NoFreeBit,
    SessionRegistration,
    TrainingInvitation,
    TrainingModule,
    TrainingSession,
    VolunteerTraining,
)
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.services import magic_link_url

logger = logging.getLogger(__name__)

# Steps the upper apps add (connected in their AppConfig.ready(); trainings cannot import them).
trainings_changed = Hook("Trainings recorded or corrected: run(volunteer_ids=). Matching refreshes their index rows.")
module_deleted = Hook("A module is deleted and its bit freed: run(bit=). Matching clears the bit from its index.")

EARLIEST_COMPLETION = datetime.date(2000, 1, 1)


class TrainingError(Exception):
    """The action cannot be done; the message is French, for the person who tried."""


# Modules ----------------------------------------------------------------------------------------


@transaction.atomic
def module_save(*, module: TrainingModule, categories: Iterable) -> TrainingModule:
    """Create or update a module and the help categories that require it. A new module
    takes the lowest free bit of the matching index; two created at once cannot share one
    (unique constraint), the loser retries with the next free bit."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                module.save()
            break
        except NoFreeBit as error:
            raise TrainingError(str(error)) from error
        except IntegrityError:
            if module.pk is not None and not module._state.adding:
                raise
            module.bit = None
    else:
        raise TrainingError("Le module n'a pas pu être enregistré : réessayez.")
    module.required_for_categories.set(categories)
    return module


@transaction.atomic
def module_delete(*, module: TrainingModule) -> None:
    """Delete a module nobody has followed and no session used; otherwise deactivate it."""
    locked = TrainingModule.objects.select_for_update().get(pk=module.pk)
    if locked.holders.exists() or locked.sessions.exists():
        raise TrainingError(
            "Ce module a déjà des sessions ou des volontaires formé·es : il ne peut pas être supprimé. "
            "Décochez « proposée » pour ne plus le proposer."
        )
    # Its bit may go to a future module: no index row may keep it.
    module_deleted.run(bit=locked.bit)
    locked.delete()


# Sessions ---------------------------------------------------------------------------------------


@transaction.atomic
def session_save(*, session: TrainingSession, by) -> TrainingSession:
    """Create a session or save edits. Fewer places than seats already taken is refused."""
    if session.pk is None:
        session.created_by = by
        session.save()
        SESSION_WORKFLOW.log_creation(session, by=by)
        return session
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.status != SessionStatus.PLANNED:
        raise TrainingError(
            f"Cette session est « {locked.get_status_display().lower()} » : elle ne peut plus être modifiée."
        )
    taken = locked.registrations.filter(status__in=SEAT_STATUSES).count()
    if session.capacity < taken:
        raise TrainingError(f"{taken} personnes sont déjà inscrites : indiquez au moins {taken} places.")
    session.save()
    _promote_waiting(session, by=by)
    return session


@transaction.atomic
def session_cancel(*, session: TrainingSession, by, note: str = "") -> int:
    """Cancel a planned session and tell the registered and waiting volunteers. Returns how many were told."""
    locked = TrainingSession.objects.select_for_update().select_related("module").get(pk=session.pk)
    _session_transition(locked, SessionStatus.CANCELLED, by=by, note=note)
    told = 0
    for registration in locked.registrations.filter(status__in=ACTIVE_STATUSES).select_related("volunteer"):
        _registration_transition(registration, RegistrationStatus.CANCELLED, by=by)
        _notify(registration.volunteer, "session_cancelled", "Session de formation annulée", session=locked)
        told += 1
    session.status = locked.status
    return told


@contextmanager
def _as_training_error():
    """A move the workflow refuses reaches the user as a TrainingError (same French message)."""
    try:
        yield
    except TransitionNotAllowed as error:
        raise TrainingError(str(error)) from error


def _session_transition(session: TrainingSession, target: str, *, by, note: str = "") -> None:
    """`session` is locked by the caller."""
    with _as_training_error():
        SESSION_WORKFLOW.apply(session, target, by=by, note=note[:300], lock=False)


# Registrations ----------------------------------------------------------------------------------


def _registration_transition(registration: SessionRegistration, target: str, *, by) -> None:
    """Registrations move under their session's lock (taken by the caller)."""
    with _as_training_error():
        REGISTRATION_WORKFLOW.apply(registration, target, by=by, lock=False, updated_at=timezone.now())


def _lock_open_session(session: TrainingSession, now: datetime.datetime) -> TrainingSession:
    locked = TrainingSession.objects.select_for_update().select_related("module").get(pk=session.pk)
    if locked.status != SessionStatus.PLANNED:
        raise TrainingError(
            f"Cette session est « {locked.get_status_display().lower()} » : on ne peut plus s'y inscrire."
        )
    if locked.starts_at <= now:
        raise TrainingError("Cette session a déjà commencé : on ne peut plus s'y inscrire.")
    return locked


@transaction.atomic
def registration_create(
    *,
    session: TrainingSession,
    volunteer,
    by,
    invitation: TrainingInvitation | None = None,
    notify: bool = False,
    now: datetime.datetime | None = None,
) -> SessionRegistration:
    """Register a volunteer: a seat while places remain, else the waiting list. Registering
    again after cancelling re-opens the same row. Raises TrainingError (French message)."""
    now = now or timezone.now()
    if volunteer.status == VolunteerStatus.WITHDRAWN:
        raise TrainingError(f"{volunteer} s'est désisté·e : l'inscription est impossible.")
    # The lock serialises every registration to this session: the seat count below is exact.
    locked = _lock_open_session(session, now)
    registration = SessionRegistration.objects.filter(session=locked, volunteer=volunteer).first()
    if registration is not None and registration.status in ACTIVE_STATUSES:
        raise TrainingError(
            f"{volunteer} est déjà inscrit·e à cette session ({registration.get_status_display().lower()})."
        )
    taken = locked.registrations.filter(status__in=SEAT_STATUSES).count()
    status = RegistrationStatus.REGISTERED if taken < locked.capacity else RegistrationStatus.WAITING
    if registration is None:
        registration = SessionRegistration(session=locked, volunteer=volunteer, status="", registered_at=now)
        registration.status = status
        registration.save()
        REGISTRATION_WORKFLOW.log_creation(registration, by=by)
    else:
        registration.registered_at = now
        registration.save(update_fields=["registered_at"])
        _registration_transition(registration, status, by=by)
    if invitation is not None:
        registration.invited_at = invitation.created_at
        registration.save(update_fields=["invited_at"])
        invitation.registration = registration
        invitation.save(update_fields=["registration"])
    if notify:
        _notify(
            volunteer, "session_registered", "Inscription à une formation", session=locked, registration=registration
        )
    return registration


@transaction.atomic
def registration_cancel(
    *, registration: SessionRegistration, by, now: datetime.datetime | None = None
) -> SessionRegistration:
    """Cancel a registration before the session; a freed seat goes to the first on the waiting list."""
    now = now or timezone.now()
    _lock_open_session(registration.session, now)
    registration = SessionRegistration.objects.select_related("session__module").get(pk=registration.pk)
    if registration.status not in ACTIVE_STATUSES:
        raise TrainingError("Cette inscription n'est plus active.")
    _registration_transition(registration, RegistrationStatus.CANCELLED, by=by)
    _promote_waiting(registration.session, by=by)
    return registration


@transaction.atomic
def registrations_cancel_for_volunteer(*, volunteer, by, now: datetime.datetime | None = None) -> int:
    """A volunteer withdraws: their upcoming registrations are cancelled and the seats go to
    the waiting lists. Returns how many were cancelled."""
    now = now or timezone.now()
    session_ids = list(
        SessionRegistration.objects.active()
        .filter(volunteer=volunteer, session__in=TrainingSession.objects.upcoming(now))
        .order_by("session_id")
        .values_list("session_id", flat=True)
    )
    for session in TrainingSession.objects.select_for_update().filter(pk__in=session_ids).order_by("pk"):
        registration = session.registrations.get(volunteer=volunteer)
        _registration_transition(registration, RegistrationStatus.CANCELLED, by=by)
        _promote_waiting(session, by=by)
    return len(session_ids)


def _promote_waiting(session: TrainingSession, *, by) -> list[SessionRegistration]:
    """Give free seats to the waiting list, first come first served (session row locked by the caller)."""
    free = session.capacity - session.registrations.filter(status__in=SEAT_STATUSES).count()
    if free <= 0:
        return []
    promoted = list(
        session.registrations.filter(status=RegistrationStatus.WAITING)
        .select_related("volunteer")
        .order_by("registered_at", "pk")[:free]
    )
    for registration in promoted:
        _registration_transition(registration, RegistrationStatus.REGISTERED, by=by)
        _notify(
            registration.volunteer, "seat_freed", "Une place s'est libérée", session=session, registration=registration
        )
    return promoted


# Attendance and completions ---------------------------------------------------------------------


@dataclass
class AttendanceResult:
    attended: int = 0
    absent: int = 0
    trainings: list[VolunteerTraining] = field(default_factory=list)


@transaction.atomic
def attendance_record(
    *, session: TrainingSession, presence: dict[int, bool], by, now: datetime.datetime | None = None
) -> AttendanceResult:
    """Record who came ({registration id: present}). Present volunteers hold the module from
    the session's day for its validity; a correction to absent withdraws what this session
    gave. The session becomes "held"; the volunteers' matching rows are refreshed."""
    now = now or timezone.now()
    locked = TrainingSession.objects.select_for_update().select_related("module").get(pk=session.pk)
    if locked.status == SessionStatus.CANCELLED:
        raise TrainingError("Cette session est annulée : aucune présence à enregistrer.")
    if locked.starts_at > now:
        raise TrainingError("La session n'a pas encore commencé : les présences se notent le jour même ou après.")
    registrations = {
        r.pk: r for r in locked.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related("volunteer")
    }
    unknown = set(presence) - set(registrations)
    if unknown:
        raise TrainingError(
            "Une des inscriptions n'appartient pas à cette session ou a été annulée : rechargez la page."
        )
    if locked.status == SessionStatus.PLANNED:
        _session_transition(locked, SessionStatus.HELD, by=by, note="Présences enregistrées")
    result = AttendanceResult()
    for registration_id, present in presence.items():
        registration = registrations[registration_id]
        target = RegistrationStatus.ATTENDED if present else RegistrationStatus.ABSENT
        if registration.status != target:
            _registration_transition(registration, target, by=by)
        if present:
            result.attended += 1
            result.trainings.append(_grant(registration.volunteer, locked.module, locked.day, by=by, session=locked))
        else:
            result.absent += 1
            VolunteerTraining.objects.filter(
                volunteer=registration.volunteer, module=locked.module, session=locked
            ).delete()
    trainings_changed.run(volunteer_ids=[registrations[pk].volunteer_id for pk in presence])
    session.status = locked.status
    return result


def _grant(volunteer, module: TrainingModule, completed_on: datetime.date, *, by, session=None) -> VolunteerTraining:
    training, created = VolunteerTraining.objects.get_or_create(
        volunteer=volunteer,
        module=module,
        completed_on=completed_on,
        defaults={"expires_on": module.expiry_for(completed_on), "session": session, "recorded_by": by},
    )
    if not created and training.expires_on != module.expiry_for(completed_on):
        training.expires_on = module.expiry_for(completed_on)
        training.save(update_fields=["expires_on"])
    return training


@transaction.atomic
def training_record(*, volunteer, module: TrainingModule, completed_on: datetime.date, by) -> VolunteerTraining:
    """A coordinator records that a volunteer completed an online module (no session)."""
    if not module.is_online:
        raise TrainingError("Ce module se suit en présentiel : notez les présences sur la session.")
    if completed_on > timezone.localdate():
        raise TrainingError("La date de suivi ne peut pas être dans le futur.")
    if completed_on < EARLIEST_COMPLETION:
        raise TrainingError("Cette date de suivi n'est pas plausible.")
    training = _grant(volunteer, module, completed_on, by=by)
    trainings_changed.run(volunteer_ids=[volunteer.pk])
    return training


# Invitations ------------------------------------------------------------------------------------


def next_session_with_places(module: TrainingModule, now: datetime.datetime | None = None) -> TrainingSession | None:
    return (
        TrainingSession.objects.upcoming(now)
        .filter(module=module)
        .annotate(taken=Count("registrations", filter=Q(registrations__status__in=SEAT_STATUSES)))
        .filter(capacity__gt=F("taken"))
        .order_by("starts_at", "pk")
        .first()
    )


@dataclass
class InvitationResult:
    session: TrainingSession
    invited: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # already registered for an upcoming session of the module


def invitation_link(invitation: TrainingInvitation) -> PersonalLink:
    return PersonalLink(f"{site_url()}{reverse('trainings:invitation', args=[link_token(invitation)])}")


def invitation_link_expired(invitation: TrainingInvitation, now: datetime.datetime | None = None) -> bool:
    """A training invitation opens its page for `VS_LINK_MAX_AGE_DAYS` after it was sent."""
    return link_expired(invitation.created_at, hours=24 * settings.VS_LINK_MAX_AGE_DAYS, now=now)


TRAINING_INVITATION_SEND = "training_invitation"


def _session_or_error(module: TrainingModule, now: datetime.datetime) -> TrainingSession:
    session = next_session_with_places(module, now)
    if session is None:
        raise TrainingError(
            f"Aucune session à venir avec des places pour « {module} » : planifiez une session, puis invitez."
        )
    return session


def _split_invitees(volunteers: list, module: TrainingModule, now: datetime.datetime) -> tuple[list, list]:
    """(to invite, skipped): volunteers already registered or waiting for an upcoming session
    of the module, or withdrawn, are skipped."""
    already = set(
        SessionRegistration.objects.active()
        .filter(session__module=module, session__in=TrainingSession.objects.upcoming(now))
        .filter(volunteer__in=[v.pk for v in volunteers])
        .values_list("volunteer_id", flat=True)
    )
    invited, skipped = [], []
    for volunteer in volunteers:
        skip = volunteer.pk in already or volunteer.status == VolunteerStatus.WITHDRAWN
        (skipped if skip else invited).append(volunteer)
    return invited, skipped


def invitation_preview(
    *, volunteers: Iterable, module: TrainingModule, now: datetime.datetime | None = None
) -> SendPreview:
    """What the coordinator confirms before inviting several volunteers: how many will be
    invited (the skipped ones are not counted) and the SMS they will read."""
    now = now or timezone.now()
    session = _session_or_error(module, now)
    invited, _skipped = _split_invitees(list(volunteers), module, now)
    text = render_to_string(
        "trainings/messages/training_invitation_sms.txt",
        {"volunteer": {"first_name": "[Prénom]"}, "session": session, "link": "[lien personnel]"},
    ).strip()
    return preview(
        action=f"{TRAINING_INVITATION_SEND}:{module.pk}:{session.pk}",
        recipients=[v.pk for v in invited],
        text=text,
        channel_note="Par SMS aux volontaires qui ont un mobile, sinon par e-mail.",
    )


@transaction.atomic
def invite_to_next_session(
    *, volunteers: Iterable, module: TrainingModule, by, confirmation: str = "", now: datetime.datetime | None = None
) -> InvitationResult:
    """Send each volunteer (SMS, else e-mail) a link to register for the module's next
    planned session that still has places. Volunteers already registered or waiting for an
    upcoming session of the module, or withdrawn, are skipped. No such session: TrainingError.
    Inviting several needs the token of `invitation_preview` (SendNotConfirmed otherwise)."""
    now = now or timezone.now()
    volunteers = list(volunteers)
    shown = invitation_preview(volunteers=volunteers, module=module, now=now)
    session = _session_or_error(module, now)
    invited, skipped = _split_invitees(volunteers, module, now)
    check_confirmation(
        action=f"{TRAINING_INVITATION_SEND}:{module.pk}:{session.pk}",
        recipients=[v.pk for v in invited],
        text=shown.text,
        token=confirmation,
    )
    result = InvitationResult(session=session, skipped=skipped)
    for volunteer in invited:
        invitation = TrainingInvitation.objects.create(
            volunteer=volunteer, module=module, session=session, created_at=now, created_by=by
        )
        _notify(
            volunteer,
            "training_invitation",
            f"Invitation à la formation « {module} »",
            session=session,
            link=invitation_link(invitation),
        )
        result.invited.append(volunteer)
    logger.info(
        "Training invitations: module %s, %s sent by user %s", module.pk, len(result.invited), getattr(by, "pk", None)
    )
    return result


# Messages ---------------------------------------------------------------------------------------


def _notify(volunteer, template: str, subject: str, **context):
    """Reach the volunteer by SMS when they gave a mobile, else by e-mail (after commit)."""
    if volunteer.anonymised_at:
        return None
    space_link = magic_link_url(volunteer=volunteer, next_path=reverse("trainings:my_trainings"))
    context = {"volunteer": volunteer, "space_link": space_link, **context}
    return contact_send(
        email=volunteer.email,
        phone=volunteer.phone,
        subject=subject,
        email_template=f"trainings/messages/{template}_email.txt",
        sms_template=f"trainings/messages/{template}_sms.txt",
        context=context,
        kind=template if template.startswith("training") else f"training_{template}",
    )
