"""Training services: seats and waiting list, attendance → training held, completions, invitations."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import VolunteerFactory
from tests.factories.trainings import (
    SessionRegistrationFactory,
    TrainingModuleFactory,
    TrainingSessionFactory,
    VolunteerTrainingFactory,
)
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.core.fields import token_digest
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Message
from villesolidaire.trainings import services
from villesolidaire.trainings.enums import RegistrationStatus, SessionStatus
from villesolidaire.trainings.models import (
    MAX_BIT,
    NoFreeBit,
    RegistrationChange,
    SessionChange,
    TrainingInvitation,
    TrainingModule,
    VolunteerTraining,
    add_months,
)
from villesolidaire.trainings.services import TrainingError


def mask_of(volunteer) -> int:
    return VolunteerMatchProfile.objects.get(volunteer=volunteer).trainings_mask


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 3, 15), 24, datetime.date(2028, 3, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 12, 31), 2, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 30), 1, datetime.date(2026, 12, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(day, months, expected):
    assert add_months(day, months) == expected


def test_modules_get_the_lowest_free_bit_and_63_at_most():
    first, second = TrainingModuleFactory(), TrainingModuleFactory()
    assert (first.bit, second.bit) == (0, 1)
    first.delete()
    assert TrainingModuleFactory().bit == 0
    TrainingModule.objects.bulk_create([TrainingModule(title=f"M{bit}", bit=bit) for bit in range(2, MAX_BIT + 1)])
    with pytest.raises(NoFreeBit):
        TrainingModuleFactory()
    with pytest.raises(TrainingError, match="63 modules au plus"):
        services.module_save(module=TrainingModule(title="Un de trop"), categories=[])


def test_seats_then_waiting_list_then_promotion_when_someone_cancels(coordinator):
    session = TrainingSessionFactory(capacity=2)
    first, second, third = (VolunteerFactory(active=True) for _ in range(3))
    statuses = [
        services.registration_create(session=session, volunteer=v, by=coordinator).status
        for v in (first, second, third)
    ]
    assert statuses == [RegistrationStatus.REGISTERED, RegistrationStatus.REGISTERED, RegistrationStatus.WAITING]

    registration = first.training_registrations.get()
    services.registration_cancel(registration=registration, by=first.user)
    assert third.training_registrations.get().status == RegistrationStatus.REGISTERED
    assert Message.objects.filter(
        kind="training_seat_freed", recipient__contains=str(third.phone.national_number)
    ).exists()
    # Every change is logged with who did it.
    assert list(
        RegistrationChange.objects.filter(registration=registration).values_list("from_status", "to_status", "by")
    ) == [
        ("", RegistrationStatus.REGISTERED, coordinator.pk),
        (RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED, first.user.pk),
    ]
    # Registering again re-opens the same row, at the end of the queue (the session is full again).
    again = services.registration_create(session=session, volunteer=first, by=first.user)
    assert again.pk == registration.pk and again.status == RegistrationStatus.WAITING


def test_registering_twice_or_too_late_is_refused(coordinator):
    volunteer = VolunteerFactory(active=True)
    session = TrainingSessionFactory()
    services.registration_create(session=session, volunteer=volunteer, by=coordinator)
    with pytest.raises(TrainingError, match="déjà inscrit"):
        services.registration_create(session=session, volunteer=volunteer, by=coordinator)
    with pytest.raises(TrainingError, match="déjà commencé"):
        services.registration_create(session=TrainingSessionFactory(past=True), volunteer=volunteer, by=coordinator)
    with pytest.raises(TrainingError, match="annulée"):
        services.registration_create(
            session=TrainingSessionFactory(status=SessionStatus.CANCELLED), volunteer=volunteer, by=coordinator
        )
    with pytest.raises(TrainingError, match="désisté"):
        services.registration_create(session=session, volunteer=VolunteerFactory(status="withdrawn"), by=coordinator)


def test_capacity_cannot_drop_below_the_seats_taken(coordinator):
    session = TrainingSessionFactory(capacity=3)
    for _ in range(2):
        SessionRegistrationFactory(session=session)
    session.capacity = 1
    with pytest.raises(TrainingError, match="au moins 2 places"):
        services.session_save(session=session, by=coordinator)


def test_more_places_promote_the_waiting_list(coordinator):
    session = TrainingSessionFactory(capacity=1)
    SessionRegistrationFactory(session=session)
    waiting = SessionRegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    session.capacity = 2
    services.session_save(session=session, by=coordinator)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED


def test_attendance_gives_the_training_with_its_expiry_and_reindexes(coordinator):
    module = TrainingModuleFactory(validity_months=24)
    session = TrainingSessionFactory(module=module, past=True)
    came, missed = SessionRegistrationFactory(session=session), SessionRegistrationFactory(session=session)
    for registration in (came, missed):
        index_volunteer(registration.volunteer)

    result = services.attendance_record(session=session, presence={came.pk: True, missed.pk: False}, by=coordinator)

    assert (result.attended, result.absent) == (1, 1)
    training = VolunteerTraining.objects.get()
    assert training.volunteer_id == came.volunteer_id and training.session_id == session.pk
    assert training.completed_on == session.day
    assert training.expires_on == add_months(session.day, 24)
    assert training.recorded_by == coordinator
    assert mask_of(came.volunteer) == module.mask and mask_of(missed.volunteer) == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert SessionChange.objects.filter(session=session, to_status=SessionStatus.HELD, by=coordinator).exists()

    # A correction withdraws what this session gave, and the index follows.
    services.attendance_record(session=session, presence={came.pk: False}, by=coordinator)
    assert not VolunteerTraining.objects.exists()
    assert mask_of(came.volunteer) == 0


def test_attendance_is_refused_before_the_session_and_for_foreign_registrations(coordinator):
    upcoming = TrainingSessionFactory()
    registration = SessionRegistrationFactory(session=upcoming)
    with pytest.raises(TrainingError, match="pas encore commencé"):
        services.attendance_record(session=upcoming, presence={registration.pk: True}, by=coordinator)
    held = TrainingSessionFactory(past=True)
    mine = SessionRegistrationFactory(session=held)
    with pytest.raises(TrainingError, match="rechargez"):
        services.attendance_record(session=held, presence={mine.pk: True, registration.pk: True}, by=coordinator)
    # Nothing half-saved.
    held.refresh_from_db()
    assert held.status == SessionStatus.PLANNED and not VolunteerTraining.objects.exists()


def test_online_completion_recorded_by_a_coordinator(coordinator):
    module = TrainingModuleFactory(online=True)
    volunteer = VolunteerFactory(active=True)
    index_volunteer(volunteer)
    day = timezone.localdate() - datetime.timedelta(days=3)
    training = services.training_record(volunteer=volunteer, module=module, completed_on=day, by=coordinator)
    assert training.expires_on is None and training.recorded_by == coordinator
    assert mask_of(volunteer) == module.mask
    with pytest.raises(TrainingError, match="futur"):
        services.training_record(
            volunteer=volunteer,
            module=module,
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
            by=coordinator,
        )
    with pytest.raises(TrainingError, match="présentiel"):
        services.training_record(volunteer=volunteer, module=TrainingModuleFactory(), completed_on=day, by=coordinator)


def test_invitation_needs_a_session_with_places(coordinator):
    module = TrainingModuleFactory(title="Médiation et écoute")
    volunteer = VolunteerFactory(active=True)
    with pytest.raises(TrainingError, match="Aucune session à venir avec des places pour « Médiation et écoute »"):
        services.invite_to_next_session(volunteers=[volunteer], module=module, by=coordinator)
    full = TrainingSessionFactory(module=module, capacity=1)
    SessionRegistrationFactory(session=full)
    with pytest.raises(TrainingError):
        services.invite_to_next_session(volunteers=[volunteer], module=module, by=coordinator)
    assert not Message.objects.exists() and not TrainingInvitation.objects.exists()


def test_invitation_sends_a_link_to_the_next_session_with_places(coordinator):
    module = TrainingModuleFactory(title="Médiation et écoute")
    full = TrainingSessionFactory(module=module, capacity=1, starts_at=timezone.now() + datetime.timedelta(days=2))
    SessionRegistrationFactory(session=full)
    later = TrainingSessionFactory(module=module, starts_at=timezone.now() + datetime.timedelta(days=9))
    invited = VolunteerFactory(active=True)
    by_email = VolunteerFactory(active=True, phone="")
    already = SessionRegistrationFactory(session=later).volunteer

    chosen = [invited, by_email, already]
    with pytest.raises(SendNotConfirmed):
        services.invite_to_next_session(volunteers=chosen, module=module, by=coordinator)
    assert not TrainingInvitation.objects.exists() and not Message.objects.filter(kind="training_invitation").exists()
    shown = services.invitation_preview(volunteers=chosen, module=module)
    assert shown.count == 2 and "Médiation et écoute" in shown.text and "[lien personnel]" in shown.text

    result = services.invite_to_next_session(
        volunteers=chosen, module=module, by=coordinator, confirmation=shown.token
    )

    assert result.session == later
    assert result.invited == [invited, by_email] and result.skipped == [already]
    invitations = {i.volunteer_id: i for i in TrainingInvitation.objects.all()}
    assert set(invitations) == {invited.pk, by_email.pk}
    assert invitations[invited.pk].session == later and invitations[invited.pk].created_by == coordinator
    sms = Message.objects.get(kind="training_invitation", channel="sms")
    key = re.search(r"/formations/invitation/([\w-]+)/", sms.outgoing_body()).group(1)
    assert invitations[invited.pk].token_hash == token_digest(key) and "Médiation et écoute" in sms.body
    assert key not in sms.body and len(sms.outgoing_body()) <= 160
    email = Message.objects.get(kind="training_invitation", channel="email")
    assert email.recipient == by_email.email and "/formations/invitation/" in email.outgoing_body()


def test_cancelling_a_session_tells_registered_and_waiting_volunteers(coordinator):
    session = TrainingSessionFactory(capacity=1)
    SessionRegistrationFactory(session=session)
    SessionRegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    SessionRegistrationFactory(session=session, status=RegistrationStatus.CANCELLED)
    assert services.session_cancel(session=session, by=coordinator, note="Salle indisponible") == 2
    assert Message.objects.filter(kind="training_session_cancelled").count() == 2
    assert set(session.registrations.values_list("status", flat=True)) == {RegistrationStatus.CANCELLED}
    with pytest.raises(TrainingError, match="Passage impossible"):
        services.session_cancel(session=session, by=coordinator)


def test_module_with_holders_cannot_be_deleted_and_a_deleted_bit_leaves_the_index():
    used = VolunteerTrainingFactory().module
    with pytest.raises(TrainingError, match="ne peut pas être supprimé"):
        services.module_delete(module=used)
    unused = TrainingModuleFactory()
    stale = VolunteerFactory(active=True)
    index_volunteer(stale)
    VolunteerMatchProfile.objects.filter(volunteer=stale).update(trainings_mask=unused.mask | used.mask)
    services.module_delete(module=unused)
    assert mask_of(stale) == used.mask


def test_daily_refresh_clears_trainings_expired_since_the_last_run():
    today = timezone.localdate()
    module = TrainingModuleFactory()
    expired = VolunteerTrainingFactory(
        module=module, completed_on=today - datetime.timedelta(days=800), expires_on=today - datetime.timedelta(days=1)
    ).volunteer
    renewed = VolunteerTrainingFactory(
        module=module, completed_on=today - datetime.timedelta(days=800), expires_on=today - datetime.timedelta(days=2)
    ).volunteer
    VolunteerTrainingFactory(
        volunteer=renewed, module=module, completed_on=today, expires_on=today + datetime.timedelta(days=700)
    )
    still = VolunteerTrainingFactory(
        module=module, completed_on=today - datetime.timedelta(days=700), expires_on=today
    ).volunteer
    for volunteer in (expired, renewed, still):
        index_volunteer(volunteer)
    assert mask_of(expired) == 0  # index_volunteer already reads today's valid trainings
    VolunteerMatchProfile.objects.update(trainings_mask=module.mask)  # as indexed before expiry

    out = StringIO()
    call_command("refresh_training_index", stdout=out)

    assert "1 volontaire(s) mis à jour" in out.getvalue()
    assert (mask_of(expired), mask_of(renewed), mask_of(still)) == (0, module.mask, module.mask)


def test_a_withdrawing_volunteer_frees_their_seats(coordinator):
    volunteer = VolunteerFactory(active=True)
    session = TrainingSessionFactory(capacity=1)
    mine = SessionRegistrationFactory(session=session, volunteer=volunteer)
    waiting = SessionRegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    held = SessionRegistrationFactory(
        session=TrainingSessionFactory(past=True), volunteer=volunteer, status=RegistrationStatus.ATTENDED
    )
    assert services.registrations_cancel_for_volunteer(volunteer=volunteer, by=coordinator) == 1
    for registration in (mine, waiting, held):
        registration.refresh_from_db()
    assert (mine.status, waiting.status, held.status) == (
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.ATTENDED,
    )
