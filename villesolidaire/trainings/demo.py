"""Demo trainings: two modules, past and upcoming sessions, trainings held by active volunteers,
and a help category that requires one of the modules.

Rows are written directly (no message leaves). Call it before matching.index.rebuild_index(),
which then writes each volunteer's trainings into the matching index.
"""

import datetime
import random

from django.utils import timezone

from villesolidaire.core.workflow import Step
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.trainings.enums import REGISTRATION_WORKFLOW, SESSION_WORKFLOW, RegistrationStatus, SessionStatus
from villesolidaire.trainings.models import (
    SessionChange,
    SessionRegistration,
    TrainingMode,
    TrainingModule,
    TrainingSession,
    VolunteerTraining,
)
from villesolidaire.volunteers.enums import Status as VolunteerStatus

WELCOME_TITLE = "Module d'accueil des volontaires"
MEDIATION_TITLE = "Médiation et écoute"
GATED_CATEGORY_SLUG = "accompagnement-rdv"
PLACE = "Maison des associations, salle 2, 5 place de la Mairie"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _session(module, day: datetime.date, *, hours: int, capacity: int, status: str, coordinator, online: bool = False):
    session = TrainingSession.objects.create(
        module=module,
        starts_at=_at(day, 14),
        ends_at=_at(day, 14 + hours),
        capacity=capacity,
        status=status,
        place="" if online else PLACE,
        online_link="https://visio.demo.invalid/formation" if online else "",
        created_by=coordinator,
        created_at=min(_at(day - datetime.timedelta(days=30), 9), timezone.now()),  # not after now
    )
    steps = [Step(SessionStatus.PLANNED, by=coordinator, at=session.created_at)]
    if status != SessionStatus.PLANNED:
        steps.append(Step(status, by=coordinator, at=session.ends_at))
    SessionChange.objects.bulk_create(SESSION_WORKFLOW.history(session, steps))
    return session


def _register(session, volunteers, status: str, *, invited: bool = False) -> list[SessionRegistration]:
    registered_at = min(session.created_at + datetime.timedelta(days=2), timezone.now())
    registrations = SessionRegistration.objects.bulk_create(
        [
            SessionRegistration(
                session=session,
                volunteer=volunteer,
                status=status,
                registered_at=registered_at,
                updated_at=registered_at,
                invited_at=session.created_at + datetime.timedelta(days=1) if invited else None,
            )
            for volunteer in volunteers
        ]
    )
    REGISTRATION_WORKFLOW.log_creations(registrations, by=None, at=registered_at)
    return registrations


def seed_trainings_demo(rng: random.Random, *, today: datetime.date, volunteers, coordinator) -> dict:
    active = [v for v in volunteers if v.status == VolunteerStatus.ACTIVE]
    welcome = TrainingModule.objects.create(
        title=WELCOME_TITLE,
        mode=TrainingMode.ONLINE,
        duration_minutes=60,
        link="https://formation.demo.invalid/accueil",
        description="Le rôle du ou de la volontaire, la charte, la confidentialité, à qui s'adresser en cas de doute.",
    )
    mediation = TrainingModule.objects.create(
        title=MEDIATION_TITLE,
        mode=TrainingMode.IN_PERSON,
        duration_minutes=180,
        validity_months=24,
        description="Écouter sans juger, désamorcer une tension, accompagner une personne âgée à un rendez-vous.",
    )
    gated = HelpCategory.objects.filter(slug=GATED_CATEGORY_SLUG).first()
    if gated is not None:
        mediation.required_for_categories.add(gated)

    trainings: list[VolunteerTraining] = []
    # About half of the active volunteers followed the online welcome module (no expiry).
    for volunteer in rng.sample(active, len(active) // 2):
        completed = today - datetime.timedelta(days=rng.randint(1, 360))
        trainings.append(
            VolunteerTraining(
                volunteer=volunteer,
                module=welcome,
                completed_on=completed,
                recorded_by=coordinator,
                recorded_at=_at(completed, 18),
            )
        )

    # Mediation: two past sessions (one ~23 months ago: those trainings expire soon), one
    # older whose trainings have expired, and two upcoming sessions.
    pool = rng.sample(active, min(len(active), 48))
    past_days = [today - datetime.timedelta(days=days) for days in (760, 690, 95)]
    held = [
        _session(mediation, day, hours=3, capacity=16, status=SessionStatus.HELD, coordinator=coordinator)
        for day in past_days
    ]
    attended = absent = 0
    for session, group in zip(held, (pool[:14], pool[14:30], pool[30:44]), strict=True):
        present = [v for v in group if rng.random() < 0.85]
        missing = [v for v in group if v not in present]
        _register(session, present, RegistrationStatus.ATTENDED)
        _register(session, missing, RegistrationStatus.ABSENT)
        attended, absent = attended + len(present), absent + len(missing)
        for volunteer in present:
            trainings.append(
                VolunteerTraining(
                    volunteer=volunteer,
                    module=mediation,
                    completed_on=session.day,
                    session=session,
                    expires_on=mediation.expiry_for(session.day),
                    recorded_by=coordinator,
                    recorded_at=session.ends_at,
                )
            )
    cancelled = _session(
        mediation,
        today - datetime.timedelta(days=200),
        hours=3,
        capacity=16,
        status=SessionStatus.CANCELLED,
        coordinator=coordinator,
    )

    upcoming = [
        _session(
            module,
            today + datetime.timedelta(days=in_days),
            hours=hours,
            capacity=capacity,
            status=SessionStatus.PLANNED,
            coordinator=coordinator,
            online=online,
        )
        for module, in_days, hours, capacity, online in (
            (mediation, 12, 3, 12, False),
            (mediation, 47, 3, 12, False),
            (welcome, 5, 1, 30, True),
        )
    ]
    untrained = [v for v in active if v not in pool]
    rng.shuffle(untrained)
    _register(upcoming[0], untrained[:9], RegistrationStatus.REGISTERED, invited=True)
    _register(upcoming[1], untrained[9:12], RegistrationStatus.REGISTERED)
    _register(upcoming[2], untrained[12:20], RegistrationStatus.REGISTERED)
    VolunteerTraining.objects.bulk_create(trainings)

    valid_mediation = {
        t.volunteer_id
        for t in trainings
        if t.module_id == mediation.pk and (t.expires_on is None or t.expires_on >= today)
    }
    return {
        "modules de formation": 2,
        "sessions de formation": len(held) + 1 + len(upcoming),
        "sessions annulées": 1 if cancelled else 0,
        "présences notées": attended + absent,
        "volontaires formé·es (accueil)": sum(1 for t in trainings if t.module_id == welcome.pk),
        "volontaires formé·es (médiation, valable)": len(valid_mediation),
        "aide exigeant une formation": gated.name if gated else "aucune",
    }
