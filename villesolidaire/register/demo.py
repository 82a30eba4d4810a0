"""Demo contribution of the register app: the register of vulnerable people (about 300
fictitious entries).

Called by `seed_demo` after the core loop (the past heatwave comes from campaigns.demo).
Names come from Faker (fr_FR), addresses from the invented BAN file, phone numbers from the
ranges ARCEP reserves for fiction (01 99 00 …, 06 39 98 …): no real person is described.
"""

import datetime
import random

from django.utils import timezone
from faker import Faker

from villesolidaire.accounts.models import User
from villesolidaire.core.workflow import Step
from villesolidaire.register.models import (
    ACKNOWLEDGEMENT_DELAY_DAYS,
    ENTRY_WORKFLOW,
    DisabilityBenefit,
    EntryStatus,
    Ground,
    Origin,
    RegisterEntry,
    RegisterEntryTransition,
    RegisterExtras,
    RegisterSearchKey,
    RemovalReason,
)

REGISTER_ENTRIES = 300
# Most entries are registered; a few wait for their acknowledgement, a few were removed,
# and a dozen came from the département's APA/PCH list and wait out the objection delay.
REGISTER_STATUS_WEIGHTS = {"registered": 262, "received": 14, "pre_registration": 12, "removed": 12}
GROUND_WEIGHTS = {Ground.AGE_65: 82, Ground.AGE_60_UNFIT: 5, Ground.DISABLED_ADULT: 13}
ORIGIN_WEIGHTS = {Origin.SELF: 48, Origin.THIRD_PARTY: 38, Origin.LEGAL_REP: 6, Origin.CARSAT: 8}
THIRD_PARTIES = [
    ("Fille", 30),
    ("Fils", 22),
    ("Voisin·e", 14),
    ("Médecin traitant", 10),
    ("Service d'aide à domicile", 12),
    ("Nièce", 6),
    ("Ami·e", 6),
]
HOME_CARE_SERVICES = [
    "SAAD Val-Solidaire Services — 01 99 00 60 10",
    "ADMR du Val — 01 99 00 60 20",
    "Soins infirmiers à domicile du Val — 01 99 00 60 30",
]


def seed_register(
    rng: random.Random,
    fake: Faker,
    *,
    today: datetime.date,
    addresses,
    quartiers: dict,
    officer: User,
    postcode: str,
    town_name: str,
) -> list[RegisterEntry]:
    entries: list[RegisterEntry] = []
    plans: list[str] = []
    for index in range(REGISTER_ENTRIES):
        plan = _weighted(rng, REGISTER_STATUS_WEIGHTS)
        ground = Ground.AGE_65 if plan == "pre_registration" else _weighted(rng, GROUND_WEIGHTS)
        entry = _entry(rng, fake, index, plan, ground, today, addresses, quartiers, officer, postcode, town_name)
        entries.append(entry)
        plans.append(plan)
    RegisterEntry.objects.bulk_create(entries, batch_size=500)
    RegisterSearchKey.rebuild(entries)  # bulk_create skips save(), which builds them

    transitions, extras = [], []
    for entry, plan in zip(entries, plans, strict=True):
        transitions += _history(entry, plan, officer)
        if entry.status != EntryStatus.REMOVED and rng.random() < 0.45:
            extras.append(
                RegisterExtras(
                    entry=entry,
                    consent_on=entry.request_date,
                    consent_recorded_by=officer,
                    lives_alone=rng.random() < 0.6,
                    needs_fan=rng.random() < 0.25,
                    has_remote_alarm=rng.random() < 0.3,
                    door_code=rng.choice(["", "", f"{rng.randint(1000, 9999)}B"]),
                )
            )
    RegisterEntryTransition.objects.bulk_create(transitions, batch_size=500)
    RegisterExtras.objects.bulk_create(extras, batch_size=500)
    return entries


def _entry(rng, fake, index, plan, ground, today, addresses, quartiers, officer, postcode, town_name) -> RegisterEntry:
    if ground == Ground.DISABLED_ADULT:
        birth = _birth_date(rng, today, 25, 64)
    elif ground == Ground.AGE_60_UNFIT:
        birth = _birth_date(rng, today, 60, 64)
    else:
        birth = _birth_date(rng, today, 65, 98)
    origin = Origin.DEPARTEMENT if plan == "pre_registration" else _weighted(rng, ORIGIN_WEIGHTS)
    request_date = today - datetime.timedelta(days=rng.randint(1, 9) if plan == "received" else rng.randint(20, 900))
    address = rng.choice(addresses)
    has_mobile = rng.random() < 0.35
    third_party = rng.choices([t for t, _ in THIRD_PARTIES], weights=[w for _, w in THIRD_PARTIES])[0]
    entry = RegisterEntry(
        last_name=fake.last_name(),
        first_names=fake.first_name(),
        birth_date=birth,
        ground=ground,
        disability_benefit=rng.choice(DisabilityBenefit.values) if ground == Ground.DISABLED_ADULT else "",
        address=address.line,
        postcode=postcode,
        city=town_name,
        quartier=quartiers.get(address.quartier_code),
        is_located=True,
        phone=f"+3363998{7000 + index:04d}" if has_mobile else f"+3319900{7000 + index:04d}",
        home_care_service=rng.choice(HOME_CARE_SERVICES) if rng.random() < 0.3 else "",
        request_date=request_date,
        origin=origin,
        created_by=officer,
        acknowledgement_due_on=request_date + datetime.timedelta(days=ACKNOWLEDGEMENT_DELAY_DAYS),
    )
    if rng.random() < 0.7:
        entry.emergency_contact_name = f"{fake.first_name()} {fake.last_name()}"
        entry.emergency_contact_phone = f"+3319900{8000 + index:04d}"
    if origin == Origin.THIRD_PARTY:
        entry.third_party_name = f"{fake.first_name()} {fake.last_name()}"
        entry.third_party_capacity = third_party
    if plan in ("registered", "removed"):
        entry.status = EntryStatus.REGISTERED
        entry.acknowledged_at = _at(request_date + datetime.timedelta(days=rng.randint(1, 7)))
        entry.confirmed_on = (
            request_date if rng.random() < 0.5 else today - datetime.timedelta(days=rng.randint(30, 200))
        )
    elif plan == "pre_registration":
        entry.informed_at = _at(request_date + datetime.timedelta(days=2))
        entry.request_date = today - datetime.timedelta(days=rng.randint(3, 20))
        entry.acknowledgement_due_on = entry.request_date + datetime.timedelta(days=ACKNOWLEDGEMENT_DELAY_DAYS)
    if plan == "removed":
        entry.status = EntryStatus.REMOVED
        entry.removal_reason = rng.choice([RemovalReason.DEATH, RemovalReason.REQUEST, RemovalReason.MOVED_OUT])
        entry.removed_on = today - datetime.timedelta(days=rng.randint(5, 120))
        for name in (
            "last_name",
            "first_names",
            "address",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
            "third_party_name",
            "third_party_capacity",
            "home_care_service",
        ):
            setattr(entry, name, "")
        entry.birth_date = None
        entry.birth_year = None
    else:
        entry.birth_year = birth.year
    entry.refresh_indexes()
    return entry


def _history(entry: RegisterEntry, plan: str, officer: User) -> list[RegisterEntryTransition]:
    steps = [Step(EntryStatus.RECEIVED, by=officer, note="Demande enregistrée")]
    if plan in ("registered", "removed"):
        steps.append(Step(EntryStatus.REGISTERED, by=officer, note="Accusé de réception envoyé"))
    if plan == "removed":
        steps.append(Step(EntryStatus.REMOVED, by=officer, note=entry.get_removal_reason_display()))
    return ENTRY_WORKFLOW.history(entry, steps)


def _birth_date(rng: random.Random, today: datetime.date, min_age: int, max_age: int) -> datetime.date:
    age_days = rng.randint(min_age * 365 + 20, max_age * 365 + 300)
    return today - datetime.timedelta(days=age_days)


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))


def _weighted(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]
