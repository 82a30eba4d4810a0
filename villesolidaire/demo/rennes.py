"""The « Rennes 2020 » scenario: a fictitious town whose bilan of 2020 gives Rennes' published figures.

Rennes' « Volontaires Solidaires » (final report, Réseau français des Villes-Santé 2021): 509 sign-ups
when the call closed three weeks after its launch, 405 after withdrawals and inactive ones, 292 volunteers
mobilised, 398 missions done, 171 residents who called on the programme, 227 supports. Three main missions
(shopping, medicines and books; paperwork; friendly calls and walks), a few others (French conversation,
appointments, homework, computers, reading aloud), and partner work (food bank, youth centre, door-to-door
with associations, health information at test centres).

The scenario reads these as the bilan « année 2020 » (1 January – 31 December 2020) of a programme opened
on 16 March 2020 and closed on 31 August 2021, when the volunteers still active (or paused) move to the
reserve: read today, no 2020 volunteer is active any more, yet the bilan of 2020 must still say 405. Every
figure is built exactly (see `TARGETS`), whatever the seed:

- registered: 509 sign-ups between 16 March and 6 April 2020 (plus 14 spontaneous ones in 2021);
- active: at 31 December 2020, 405 of them are « actif·ve » in their status history (30 never validated,
  48 withdrawn, 14 paused, 12 in reserve; 25 of the 405 paused and came back during the year);
- mobilised: 180 volunteers with a done mission in 2020 (8 of them withdrew in December) and 112 others who
  only attended partner or town shifts; no-shows, cancelled or missed missions and 2021 activity do not count;
- missions done: 398 done missions scheduled in 2020, besides missed and cancelled ones and 2021's;
- residents helped: 171 residents with a request made in 2020 (some with several, five whose only request was
  closed without support); 12 more residents only call in 2021;
- supports: 227 started in 2020 (three more come from requests of late December and start in January 2021).

Nothing describes a real person or address: the territory is the demo town's (invented streets, quartiers
and INSEE code 99123, see territory.demo), names come from a seeded Faker (fr_FR), phones from the ARCEP
fiction ranges and e-mails end in ".invalid". Dates are absolute. Rows are bulk-created.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from faker import Faker

from villesolidaire.accounts.demo import DEMO_DOMAIN, seed_staff_accounts
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.core.fields import token_digest
from villesolidaire.core.fuzzy import index_text
from villesolidaire.core.text import fold
from villesolidaire.core.workflow import Step
from villesolidaire.demo.town import (
    CATEGORY_WEIGHTS,
    REPORTS,
    REQUEST_TEXTS,
    _availability,
    _erase_identity,
    _evaluation,
    _languages,
    _mission_history,
    _phone,
    _slug,
    _volunteer_user,
    _weighted,
    _write_resident_contacts,
    _write_volunteers,
)
from villesolidaire.help_requests.enums import WORKFLOW as REQUEST_WORKFLOW
from villesolidaire.help_requests.enums import Channel as RequestChannel
from villesolidaire.help_requests.enums import ClosureReason, Recurrence, TimeWindow, Urgency
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpCategory, HelpRequest, HelpRequestTransition
from villesolidaire.matching.index import rebuild_index
from villesolidaire.matching.models import OfferStatus, Proposal, ProposalOffer, ProposalStatus
from villesolidaire.missions.enums import (
    EvaluationAuthor,
    MissedReason,
    MissionStatus,
    SupportKind,
    SupportStatus,
)
from villesolidaire.missions.models import Evaluation, Mission, MissionTransition, Support
from villesolidaire.needs.demo import _need, _shift
from villesolidaire.needs.models import ApiDomain, NeedStatus, Shift, ShiftSignup, SignupStatus
from villesolidaire.partners.models import (
    ORGANISATION_WORKFLOW,
    Organisation,
    OrganisationStatus,
    OrganisationTransition,
    OrganisationType,
)
from villesolidaire.residents.models import PreferredChannel, Resident
from villesolidaire.territory.demo import TOWN_NAME, seed_territory_demo
from villesolidaire.territory.models import Town, remembered_town
from villesolidaire.volunteers.enums import WORKFLOW as VOLUNTEER_WORKFLOW
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import RecruitmentCall, Skill, Volunteer, VolunteerStatusChange
from villesolidaire.volunteers.services import refresh_categories_masks

SCENARIO = "rennes-2020"
DEFAULT_SEED = 2020
SCENARIO_TOWN_NAME = f"{TOWN_NAME} (scénario Rennes 2020)"

# The bilan the figures are read for, in local calendar days, and the programme's own dates.
PERIOD_START = datetime.date(2020, 1, 1)
PERIOD_END = datetime.date(2020, 12, 31)
LAUNCH = datetime.date(2020, 3, 16)
CALL_CLOSES = datetime.date(2020, 4, 6)  # the call closed three weeks after its launch
CLOSURE = datetime.date(2021, 8, 31)

TARGETS = {
    "registered": 509,
    "active": 405,
    "mobilised": 292,
    "missions_done": 398,
    "residents_helped": 171,
    "supports": 227,
}

# Status at 31 December 2020 of the 509 sign-ups (405 active).
WITHDRAWN_BEFORE_VALIDATION = 10
WITHDRAWN_AFTER_ACTIVE = 38
NEVER_VALIDATED = 30
PAUSED_AT_END = 14
RESERVE_AT_END = 12
# Among the 405 active at the end of 2020.
MISSION_VOLUNTEERS_ACTIVE = 172
MISSION_VOLUNTEERS_WITHDRAWN = 8  # did their missions in spring, withdrew in December
SHIFT_ONLY = 112
SHIFT_AND_MISSIONS = 40
PAUSED_AND_BACK = 25
NO_SHOWS = 12
WITHDRAWN_IN_2021 = 20
SIGNUPS_2021 = 14

SUPPORTS_LATE_DECEMBER = 3  # requests of late December 2020, supports started in January 2021
SUPPORTS_2021 = 27
UNSUPPORTED_2020 = 13
ONLY_UNSUPPORTED_RESIDENTS = 5
UNSUPPORTED_2021 = 4
NEW_RESIDENTS_2021 = 12

# Where the supports of 2020 start: the two lockdowns are the busy times.
SUPPORT_SEASONS = [
    ((datetime.date(2020, 3, 18), datetime.date(2020, 5, 11)), 45),
    ((datetime.date(2020, 5, 12), datetime.date(2020, 10, 29)), 17),
    ((datetime.date(2020, 10, 30), datetime.date(2020, 12, 28)), 38),
]
CLOSURE_NOTE = "Fin du dispositif : passage en réserve"


def scenario_period() -> tuple[datetime.date, datetime.date]:
    """The period (first and last local day) whose bilan gives `TARGETS`: the calendar year 2020."""
    return PERIOD_START, PERIOD_END


@dataclass
class ScenarioSummary:
    seed: int
    period: tuple[datetime.date, datetime.date] = (PERIOD_START, PERIOD_END)
    counts: dict[str, int] = field(default_factory=dict)
    ban_file: Path | None = None


def _at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _daytime(rng: random.Random, day: datetime.date, first: int = 9, last: int = 18) -> datetime.datetime:
    return _at(day, rng.randint(first, last), rng.choice([0, 15, 30, 45]))


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _in_period(moment: datetime.datetime) -> bool:
    return PERIOD_START <= _local_day(moment) <= PERIOD_END


@dataclass
class Plan:
    """What one volunteer lives through; `steps` are (status, at, note) after the sign-up."""

    volunteer: Volunteer
    group: str
    steps: list = field(default_factory=list)
    busy_until: datetime.datetime | None = None  # last mission or shift


@dataclass
class SupportPlan:
    request: HelpRequest
    kind: str
    started: datetime.datetime
    missions: list = field(default_factory=list)  # [(scheduled_at, status)]
    step_days: int = 7
    volunteer: Volunteer | None = None

    @property
    def done_in_period(self) -> int:
        return sum(1 for at, status in self.missions if status == MissionStatus.DONE and _in_period(at))

    @property
    def last(self) -> datetime.datetime:
        return self.missions[-1][0]


# --------------------------------------------------------------------------- the scenario


@transaction.atomic
def seed_rennes_2020(seed: int = DEFAULT_SEED, *, var_dir: Path | None = None) -> ScenarioSummary:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    summary = ScenarioSummary(seed=seed)

    quartiers, addresses, summary.ban_file = seed_territory_demo(rng, var_dir=var_dir or settings.VAR_DIR)
    Town.objects.update(name=SCENARIO_TOWN_NAME)
    remembered_town.forget()  # update() sends no post_save
    staff = seed_staff_accounts()
    coordinator, operator = staff[Role.COORDINATOR], staff[Role.OPERATOR]
    call = RecruitmentCall.objects.create(
        title="Devenez Volontaire Solidaire",
        description="Le CCAS cherche des habitant·es disponibles pour aider leurs voisin·es pendant la crise "
        "sanitaire : courses, médicaments, démarches, appels de convivialité, promenades.",
        opens_at=_at(LAUNCH, 9),
        closes_at=_at(CALL_CLOSES, 23, 59),
    )
    categories = {c.slug: c for c in HelpCategory.objects.all()}

    plans = _volunteers(rng, fake, addresses, quartiers, call)
    groups: dict[str, list[Plan]] = {}
    for plan in plans:
        groups.setdefault(plan.group, []).append(plan)

    residents, support_plans, other_requests = _residents_and_requests(
        rng, fake, addresses, quartiers, categories, operator
    )
    _missions(rng, support_plans)
    _assign_volunteers(rng, support_plans, groups)
    organisations = _organisations(rng, addresses, quartiers)
    signups = _shifts(rng, organisations, groups, coordinator)
    _histories(rng, plans, groups, coordinator)  # writes the volunteers, once their path is known
    signups = ShiftSignup.objects.bulk_create(signups, batch_size=1000)
    _categories_and_skills(rng, plans, support_plans, categories)

    supports, missions = _write_supports(rng, support_plans, coordinator, operator)
    _close_other_requests(other_requests, operator, coordinator)
    indexed = rebuild_index()

    summary.counts = {
        "quartiers": len(quartiers),
        "adresses": len(addresses),
        "volontaires": len(plans),
        "habitant·es": len(residents),
        "demandes": HelpRequest.objects.count(),
        "soutiens": len(supports),
        "missions": len(missions),
        "missions réalisées": sum(1 for m in missions if m.status == MissionStatus.DONE),
        "organisations partenaires": len(organisations),
        "inscriptions aux créneaux": len(signups),
        "index": indexed,
    }
    return summary


def _volunteers(rng, fake, addresses, quartiers, call) -> list[Plan]:
    """The 509 sign-ups of the call (their group decides their path) and the 14 spontaneous ones of 2021."""
    groups = (
        ["mission"] * MISSION_VOLUNTEERS_ACTIVE
        + ["mission-withdrawn"] * MISSION_VOLUNTEERS_WITHDRAWN
        + ["shift-only"] * SHIFT_ONLY
        + ["withdrawn-early"] * WITHDRAWN_BEFORE_VALIDATION
        + ["withdrawn"] * (WITHDRAWN_AFTER_ACTIVE - MISSION_VOLUNTEERS_WITHDRAWN)
        + ["registered"] * NEVER_VALIDATED
        + ["paused"] * PAUSED_AT_END
        + ["reserve"] * RESERVE_AT_END
    )
    others = TARGETS["active"] - MISSION_VOLUNTEERS_ACTIVE - SHIFT_ONLY
    groups += ["other"] * others
    assert len(groups) == TARGETS["registered"]
    rng.shuffle(groups)
    groups += ["spontaneous-2021"] * SIGNUPS_2021

    users, plans = [], []
    for index, group in enumerate(groups):
        first_name, last_name = fake.first_name(), fake.last_name()
        # Most sign-ups come in the first days after the launch.
        if group == "spontaneous-2021":
            day = _day_between(rng, datetime.date(2021, 1, 11), datetime.date(2021, 2, 26))
        elif rng.random() < 0.6:
            day = _day_between(rng, LAUNCH, LAUNCH + datetime.timedelta(days=6))
        else:
            day = _day_between(rng, LAUNCH, CALL_CLOSES)
        created = _daytime(rng, day, 7, 22)
        validated = None
        if group not in ("registered", "withdrawn-early"):
            validated = created + datetime.timedelta(days=rng.uniform(0.2, 4))
        email = f"{_slug(first_name)}.{_slug(last_name)}.{index}@{DEMO_DOMAIN}"
        address = rng.choice(addresses)
        languages = _languages(rng, [("en", 0.3), ("es", 0.1), ("ar", 0.06), ("pt", 0.05), ("de", 0.05)])
        availability = _availability(rng)
        users.append(_volunteer_user(rng, email=email, first_name=first_name, last_name=last_name, created=created))
        volunteer = Volunteer(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=_phone("+3363998", index) if rng.random() < 0.9 else "",
            birth_year=rng.randint(1950, 2002),
            **address.located_fields(quartiers),
            languages=languages,
            availability=availability,
            mobility=rng.choice([1, 1, 2, 3, 4, 5, 9, 13]),
            max_distance_km=rng.choice([1, 2, 3, 3, 5, 5, 8]),
            domains=1 | (2 if rng.random() < 0.2 else 0),
            recruitment_call=None if group == "spontaneous-2021" else call,
            gdpr_notice_accepted_at=created,
            charter_accepted_at=created,
            consent_share_with_partners=rng.random() < 0.5,
            created_at=created,
            validated_at=validated,
        )
        plans.append(Plan(volunteer=volunteer, group=group))
    User.objects.bulk_create(users, batch_size=500)
    for user, plan in zip(users, plans, strict=True):
        plan.volunteer.user = user
    return plans


def _residents_and_requests(rng, fake, addresses, quartiers, categories, operator):
    """Residents, the requests of the supports (as plans) and the requests closed without support.

    2020: 227 requests leading to a support started in 2020, 3 of late December leading to one in
    January 2021, 13 closed without support; 171 distinct residents. 2021: 27 supported, 4 not."""
    helped = TARGETS["residents_helped"]
    residents = []
    for index in range(helped + NEW_RESIDENTS_2021):
        first_name, last_name = fake.first_name(), fake.last_name()
        address = rng.choice(addresses)
        has_mobile = rng.random() < 0.45
        residents.append(
            Resident(
                first_name=first_name,
                last_name=last_name,
                birth_year=rng.randint(1922, 1975),
                phone=_phone("+3319900", index) if not has_mobile or rng.random() < 0.5 else "",
                mobile=_phone("+3363998", 5000 + index) if has_mobile else "",
                preferred_channel=PreferredChannel.SMS if has_mobile and rng.random() < 0.5 else PreferredChannel.CALL,
                language=rng.choices(["fr", "ar", "pt", "uk"], weights=[92, 4, 2, 2])[0],
                **address.located_fields(quartiers),
                search_name=fold(f"{last_name} {first_name}"),
                search_keys=index_text(fold(f"{last_name} {first_name}")),
                created_by=operator,
            )
        )
    known = residents[:helped]
    only_unsupported = known[:ONLY_UNSUPPORTED_RESIDENTS]
    supported_2020 = known[ONLY_UNSUPPORTED_RESIDENTS:]

    # (resident, request created, support started or None, closure reason)
    rows = []
    in_2020 = TARGETS["supports"] + SUPPORTS_LATE_DECEMBER
    owners = supported_2020 + [rng.choice(supported_2020) for _ in range(in_2020 - len(supported_2020))]
    rng.shuffle(owners)
    for n, resident in enumerate(owners):
        if n < TARGETS["supports"]:
            (first, last), _ = rng.choices(SUPPORT_SEASONS, weights=[w for _, w in SUPPORT_SEASONS])[0]
            started = _daytime(rng, _day_between(rng, first, last))
            created = max(_at(LAUNCH, 9, 30), started - datetime.timedelta(hours=rng.uniform(6, 72)))
        else:  # asked just before the new year, helped in the first days of January
            created = _daytime(rng, _day_between(rng, datetime.date(2020, 12, 28), datetime.date(2020, 12, 30)))
            started = _daytime(rng, _day_between(rng, datetime.date(2021, 1, 4), datetime.date(2021, 1, 8)))
        rows.append((resident, created, started, ""))
    reasons = [ClosureReason.NO_FOLLOW_UP, ClosureReason.REFERRED, ClosureReason.CANCELLED]
    for n in range(UNSUPPORTED_2020):
        resident = only_unsupported[n] if n < len(only_unsupported) else rng.choice(supported_2020)
        created = _daytime(rng, _day_between(rng, LAUNCH, datetime.date(2020, 12, 20)))
        rows.append((resident, created, None, reasons[n % len(reasons)]))
    pool_2021 = residents[helped:] + rng.sample(supported_2020, 10)
    owners_2021 = residents[helped:] + [rng.choice(pool_2021) for _ in range(SUPPORTS_2021 - NEW_RESIDENTS_2021)]
    for resident in owners_2021:
        started = _daytime(rng, _day_between(rng, datetime.date(2021, 1, 11), datetime.date(2021, 6, 30)))
        rows.append((resident, started - datetime.timedelta(hours=rng.uniform(6, 72)), started, ""))
    for n in range(UNSUPPORTED_2021):
        created = _daytime(rng, _day_between(rng, datetime.date(2021, 1, 11), datetime.date(2021, 7, 31)))
        rows.append((rng.choice(pool_2021), created, None, reasons[n % len(reasons)]))

    first_call = {}
    for resident, created, _started, _reason in rows:
        first_call[id(resident)] = min(first_call.get(id(resident), created), created)
    for resident in residents:
        resident.created_at = first_call[id(resident)] - datetime.timedelta(minutes=rng.randint(2, 10))
    Resident.objects.bulk_create(residents, batch_size=500)
    _write_resident_contacts(rng, fake, residents)

    requests, support_plans, other_requests = [], [], []
    for resident, created, started, reason in rows:
        slug = _weighted(rng, CATEGORY_WEIGHTS)
        recurring = started is not None and rng.random() < 0.3
        step = 7 if rng.random() < 0.7 else 14
        request = HelpRequest(
            resident=resident,
            category=categories[slug],
            description=rng.choice(REQUEST_TEXTS[slug]),
            urgency=rng.choices([Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL], weights=[75, 20, 5])[0],
            wished_start=_local_day(started or created),
            time_window=rng.choice(list(TimeWindow.values)),
            recurrence=(Recurrence.WEEKLY if step == 7 else Recurrence.FORTNIGHTLY) if recurring else Recurrence.ONCE,
            involves_money=slug == "courses",
            estimated_amount=Decimal(rng.randint(15, 80)) if slug == "courses" else None,
            channel=rng.choices(
                [RequestChannel.HOTLINE, RequestChannel.THIRD_PARTY, RequestChannel.WEB, RequestChannel.PARTNER],
                weights=[72, 14, 8, 6],
            )[0],
            status=RequestStatus.CLOSED,
            closure_reason=reason or ClosureReason.DONE,
            created_at=created,
            created_by=operator,
        )
        requests.append(request)
        if started is None:
            other_requests.append(request)
        else:
            kind = SupportKind.RECURRING if recurring else SupportKind.ONE_OFF
            support_plans.append(SupportPlan(request=request, kind=kind, started=started, step_days=step))
    HelpRequest.objects.bulk_create(requests, batch_size=500)
    return residents, support_plans, other_requests


def _missions(rng, support_plans: list[SupportPlan]) -> None:
    """Mission dates and outcomes; then exactly 398 done missions scheduled in 2020."""
    closure = _at(CLOSURE, 12)
    for plan in support_plans:
        if plan.kind == SupportKind.RECURRING:
            count = rng.randint(2, 5)
        else:
            count = 2 if rng.random() < 0.15 else 1
        first = _local_day(plan.started) + datetime.timedelta(days=rng.randint(1, 3))
        for n in range(count):
            at = _daytime(rng, first + datetime.timedelta(days=n * plan.step_days))
            if at >= closure:
                break
            status = rng.choices(
                [MissionStatus.DONE, MissionStatus.MISSED, MissionStatus.CANCELLED], weights=[92, 4, 4]
            )[0]
            plan.missions.append((at, status))
        if not plan.missions:
            plan.missions.append((_daytime(rng, first), MissionStatus.DONE))
    year_end = _at(PERIOD_END, 12)
    in_2020 = [p for p in support_plans if _in_period(p.started)]
    target = TARGETS["missions_done"]
    while (done := sum(p.done_in_period for p in in_2020)) != target:
        if done < target:
            grow = [p for p in in_2020 if p.last + datetime.timedelta(days=p.step_days) <= year_end]
            plan = rng.choice([p for p in grow if p.kind == SupportKind.RECURRING] or grow)
            at = _daytime(rng, _local_day(plan.last) + datetime.timedelta(days=plan.step_days))
            plan.missions.append((at, MissionStatus.DONE))
            plan.kind = SupportKind.RECURRING
        else:
            shrink = [
                p
                for p in in_2020
                if p.done_in_period >= 2 and p.missions[-1][1] == MissionStatus.DONE and _in_period(p.last)
            ]
            rng.choice(shrink).missions.pop()


def _assign_volunteers(rng, support_plans: list[SupportPlan], groups: dict[str, list[Plan]]) -> None:
    """Each mission volunteer gets a support with a done mission in 2020; the rest go to volunteers
    already helping (2020) or to any volunteer active then (2021)."""
    in_2020 = [p for p in support_plans if _in_period(p.started)]
    rng.shuffle(in_2020)
    early = datetime.date(2020, 11, 10)
    mobilising = [p for p in in_2020 if p.done_in_period]
    quiet = [p for p in mobilising if _local_day(p.last) <= early]
    withdrawn = groups["mission-withdrawn"]
    quiet = [p for p in quiet if p.started > _at(CALL_CLOSES + datetime.timedelta(days=7))]  # all validated
    for plan, owner in zip(quiet, withdrawn, strict=False):
        plan.volunteer = owner.volunteer
    taken = {id(p) for p in quiet[: len(withdrawn)]}
    assert len(taken) == len(withdrawn)
    mission = groups["mission"]
    free = [p for p in mobilising if id(p) not in taken]
    # In the order supports start, each goes to the earliest validated volunteer still without one,
    # if validated before the proposal (two hours before the start); the others are shared out below.
    free.sort(key=lambda p: p.started)
    helpers = sorted(mission, key=lambda plan: plan.volunteer.validated_at)
    waiting = iter(helpers)
    owner = next(waiting)
    for plan in free:
        if owner is not None and owner.volunteer.validated_at < plan.started - datetime.timedelta(hours=2):
            plan.volunteer = owner.volunteer
            owner = next(waiting, None)
    assert owner is None, "more mission volunteers than supports with a done mission in 2020"
    for plan in support_plans:
        if plan.volunteer is not None:
            continue
        if _in_period(plan.started) and plan.done_in_period:
            pool = mission
        else:
            pool = mission + groups["other"] + ([] if _in_period(plan.started) else groups["spontaneous-2021"])
        pool = [o for o in pool if o.volunteer.validated_at < plan.started - datetime.timedelta(hours=2)]
        plan.volunteer = rng.choice(pool).volunteer
    by_volunteer = {id(plan.volunteer): plan for plans in groups.values() for plan in plans}
    for plan in support_plans:
        owner = by_volunteer[id(plan.volunteer)]
        assert owner.volunteer.validated_at < plan.started, "a support starts before its volunteer is validated"
        owner.busy_until = max(owner.busy_until or plan.last, plan.last)


def _organisations(rng, addresses, quartiers) -> list[Organisation]:
    """The partners of volet 2 (invented names)."""
    rows = [
        ("Banque alimentaire du Val", OrganisationType.ASSOCIATION, "Collecte et distribution de denrées."),
        ("MJC des Coteaux", OrganisationType.ASSOCIATION, "Maison des jeunes et de la culture."),
        ("Bénévoles d'un jour", OrganisationType.ASSOCIATION, "Missions de bénévolat ponctuel."),
        ("Jeunes Solidaires du Val", OrganisationType.ASSOCIATION, "Service civique et actions d'aller-vers."),
    ]
    created = _at(datetime.date(2020, 3, 20), 10)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=name,
                type=kind,
                description=description,
                status=OrganisationStatus.VALIDATED,
                phone=_phone("+3319900", 8000 + n),
                email=f"partenaire{n + 1}@{DEMO_DOMAIN}",
                **rng.choice(addresses).located_fields(quartiers),
                created_at=created,
                updated_at=created,
            )
            for n, (name, kind, description) in enumerate(rows)
        ]
    )
    logs = []
    for organisation in organisations:
        logs += ORGANISATION_WORKFLOW.history(
            organisation,
            [
                Step(OrganisationStatus.PENDING, at=created, note="Partenaire du dispositif"),
                Step(OrganisationStatus.VALIDATED, at=created + datetime.timedelta(hours=1)),
            ],
        )
    OrganisationTransition.objects.bulk_create(logs)
    return organisations


def _shifts(rng, organisations, groups: dict[str, list[Plan]], coordinator) -> list[ShiftSignup]:
    """Partner and town shifts: 152 volunteers attend at least one in 2020 (112 of them do nothing else),
    a few do not come; in 2021 others attend (outside the bilan of 2020)."""
    town = Town.current()
    food_bank, youth_centre, one_day, young = organisations
    solidarity = HelpCategory.objects.filter(slug="courses").first()

    def need(title, organisation, street, created, description, api_domain, **fields):
        return _need(
            title=title,
            organisation=organisation,
            town=town,
            street=street,
            status=NeedStatus.CLOSED,
            coordinator=coordinator,
            created=created,
            description=description,
            domain="solidarity",
            api_domain=api_domain,
            **fields,
        )

    def weekly(first: datetime.date, count: int, days: int = 7) -> list[datetime.date]:
        return [first + datetime.timedelta(days=n * days) for n in range(count)]

    shifts_2020: list[Shift] = []
    sorting = need(
        "Tri à la banque alimentaire",
        food_bank,
        "Entrepôt de la banque alimentaire",
        _at(datetime.date(2020, 4, 6), 10),
        "Trier les denrées, préparer les colis de la semaine.",
        ApiDomain.SOLIDARITE,
        category=solidarity,
        schedule="une matinée",
    )
    for day in weekly(datetime.date(2020, 4, 14), 12) + weekly(datetime.date(2020, 11, 3), 7):
        shifts_2020.append(_shift(sorting, day, datetime.time(9), datetime.time(12), places=8))
    collection = need(
        "Collecte nationale : accueil des donateurs",
        food_bank,
        "Supermarchés de la commune",
        _at(datetime.date(2020, 11, 9), 10),
        "Présenter la collecte à l'entrée du magasin, porter les dons au stand.",
        ApiDomain.SOLIDARITE,
        schedule="deux heures",
    )
    for day in [datetime.date(2020, 11, 27), datetime.date(2020, 11, 28)]:
        for start, end in [(9, 12), (12, 15), (15, 18)]:
            shifts_2020.append(_shift(collection, day, datetime.time(start), datetime.time(end), places=10))
    screening = need(
        "Information santé au centre de dépistage",
        None,
        "Centre de dépistage, place de la Mairie",
        _at(datetime.date(2020, 10, 26), 9),
        "Accueillir les personnes qui attendent, présenter les aides de la commune (portage de courses…), "
        "repérer les personnes isolées.",
        ApiDomain.SANTE,
        schedule="une demi-journée",
    )
    for day in weekly(datetime.date(2020, 11, 2), 20, 2):
        shifts_2020.append(_shift(screening, day, datetime.time(14), datetime.time(17), places=4))
    campus = need(
        "Information santé sur le campus",
        None,
        "Campus universitaire",
        _at(datetime.date(2020, 9, 28), 9),
        "Déambulation sur le campus avec les médiateurs : gestes utiles, aides proposées aux étudiant·es.",
        ApiDomain.SANTE,
    )
    for day in weekly(datetime.date(2020, 10, 5), 6, 3):
        shifts_2020.append(_shift(campus, day, datetime.time(11), datetime.time(14), places=4))
    door = need(
        "Aller-vers : porte-à-porte dans le quartier prioritaire",
        young,
        "Quartier prioritaire",
        _at(datetime.date(2020, 11, 30), 9),
        "Avec les bénévoles de l'association, rencontrer les habitant·es isolé·es et présenter les dispositifs.",
        ApiDomain.VIVRE_ENSEMBLE,
    )
    for day in weekly(datetime.date(2020, 12, 3), 6, 2):
        shifts_2020.append(_shift(door, day, datetime.time(14), datetime.time(17), places=6))
    homework = need(
        "Accompagnement à la scolarité à la MJC",
        youth_centre,
        "MJC des Coteaux",
        _at(datetime.date(2020, 9, 7), 9),
        "Aide aux devoirs le mercredi après-midi, le temps que les structures reprennent leurs activités.",
        ApiDomain.EDUCATION,
    )
    for day in weekly(datetime.date(2020, 9, 16), 8, 14):
        shifts_2020.append(_shift(homework, day, datetime.time(14), datetime.time(16, 30), places=5))
    sorting_2021 = need(
        "Tri à la banque alimentaire (2021)",
        one_day,
        "Entrepôt de la banque alimentaire",
        _at(datetime.date(2021, 1, 4), 10),
        "Trier les denrées, préparer les colis de la semaine.",
        ApiDomain.SOLIDARITE,
        schedule="une matinée",
    )
    shifts_2021 = [
        _shift(sorting_2021, day, datetime.time(9), datetime.time(12), places=8)
        for day in weekly(datetime.date(2021, 1, 12), 10, 14)
    ]

    # Who attends what in 2020: the shift-only volunteers and 40 of the mission volunteers.
    held = {shift.pk: 0 for shift in shifts_2020 + shifts_2021}
    rows: list[ShiftSignup] = []
    attendees = groups["shift-only"] + rng.sample(groups["mission"], SHIFT_AND_MISSIONS)

    def book(owner: Plan, shift: Shift, *, attended: bool) -> None:
        held[shift.pk] += 1
        created = shift.starts_at - datetime.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 8))
        rows.append(
            ShiftSignup(
                shift=shift,
                volunteer=owner.volunteer,
                status=SignupStatus.CONFIRMED,
                created_at=created,
                confirmed_at=created + datetime.timedelta(hours=3),
                confirmed_by=coordinator,
                attended=attended,
                hours=shift.duration_hours if attended else None,
                attendance_recorded_at=shift.ends_at + datetime.timedelta(hours=2),
                attendance_recorded_by=coordinator,
            )
        )
        if attended:
            owner.busy_until = max(owner.busy_until or shift.ends_at, shift.ends_at)

    def open_shifts(shifts, owner: Plan, chosen) -> list[Shift]:
        after = owner.volunteer.validated_at + datetime.timedelta(days=1)
        return [s for s in shifts if held[s.pk] < s.places and s.starts_at > after and s not in chosen]

    for owner in attendees:
        chosen = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            candidates = open_shifts(shifts_2020, owner, chosen)
            if candidates:
                chosen.append(rng.choice(candidates))
        assert chosen, "no shift left for an attendee"
        for shift in chosen:
            book(owner, shift, attended=True)
    # Signed up, did not come: not mobilised.
    others = groups["other"]
    rng.shuffle(others)
    for owner in others[:NO_SHOWS]:
        book(owner, rng.choice(open_shifts(shifts_2020, owner, [])), attended=False)
    # 2021: some of the others, and a few 2020 attendees again.
    for owner in others[NO_SHOWS : NO_SHOWS + 20] + rng.sample(attendees, 15):
        book(owner, rng.choice(open_shifts(shifts_2021, owner, [])), attended=True)
    return rows  # written once the volunteers are


def _histories(rng, plans: list[Plan], groups: dict[str, list[Plan]], coordinator) -> None:
    """Status histories: 405 active at the end of 2020, all the active and paused ones moved to the
    reserve when the programme closes (31 August 2021). Then the volunteers themselves."""
    year_end = _at(PERIOD_END, 12)
    closure = _at(CLOSURE, 18)

    def some_day(first: datetime.datetime, last: datetime.date) -> datetime.datetime:
        day = _day_between(rng, _local_day(first) + datetime.timedelta(days=1), last)
        return _daytime(rng, day)

    active_2021 = [
        p
        for p in plans
        if p.group in ("mission", "shift-only", "other") and (p.busy_until is None or p.busy_until < year_end)
    ]
    leaving_2021 = {id(p) for p in rng.sample(active_2021, WITHDRAWN_IN_2021)}
    back = {id(p) for p in rng.sample([p for p in groups["other"] if p.busy_until is None], PAUSED_AND_BACK)}
    for plan in plans:
        v = plan.volunteer
        steps = plan.steps
        group = plan.group
        if group == "withdrawn-early":
            steps.append((VolunteerStatus.WITHDRAWN, v.created_at + datetime.timedelta(days=rng.uniform(2, 30)), ""))
        elif group == "withdrawn":
            steps.append((VolunteerStatus.WITHDRAWN, some_day(v.validated_at, datetime.date(2020, 12, 20)), ""))
        elif group == "mission-withdrawn":
            last = min(PERIOD_END - datetime.timedelta(days=2), _local_day(plan.busy_until) + datetime.timedelta(20))
            steps.append((VolunteerStatus.WITHDRAWN, some_day(plan.busy_until, last), ""))
        elif group == "paused":
            steps.append(
                (
                    VolunteerStatus.PAUSED,
                    _daytime(rng, _day_between(rng, datetime.date(2020, 10, 1), datetime.date(2020, 12, 20))),
                    "Reprise du travail",
                )
            )
        elif group == "reserve":
            steps.append(
                (
                    VolunteerStatus.RESERVE,
                    _daytime(rng, _day_between(rng, datetime.date(2020, 6, 1), datetime.date(2020, 12, 20))),
                    "Disponible seulement en cas de forte demande",
                )
            )
        if id(plan) in back:
            paused = _daytime(rng, _day_between(rng, datetime.date(2020, 6, 1), datetime.date(2020, 10, 31)))
            steps.append((VolunteerStatus.PAUSED, paused, "Indisponible quelques semaines"))
            steps.append((VolunteerStatus.ACTIVE, paused + datetime.timedelta(days=rng.randint(14, 45)), "De retour"))
        if id(plan) in leaving_2021:
            start = max(year_end, plan.busy_until or year_end)
            steps.append((VolunteerStatus.WITHDRAWN, some_day(start, datetime.date(2021, 6, 30)), ""))
        current = steps[-1][0] if steps else (VolunteerStatus.ACTIVE if v.validated_at else VolunteerStatus.REGISTERED)
        if current in (VolunteerStatus.ACTIVE, VolunteerStatus.PAUSED):
            steps.append((VolunteerStatus.RESERVE, closure, CLOSURE_NOTE))
        v.status = steps[-1][0] if steps else current
        if v.status == VolunteerStatus.WITHDRAWN:
            _anonymise(rng, v, steps[-1][1])

    _write_volunteers([p.volunteer for p in plans])
    history = []
    for plan in plans:
        v = plan.volunteer
        steps = [Step(VolunteerStatus.REGISTERED, by=v.user, at=v.created_at, note="Inscription en ligne")]
        if v.validated_at:
            steps.append(
                Step(VolunteerStatus.ACTIVE, by=coordinator, at=v.validated_at, note="Entretien téléphonique fait")
            )
        reasons = {VolunteerStatus.WITHDRAWN: "Désistement à sa demande"}
        for status, at, note in plan.steps:
            steps.append(Step(status, by=coordinator, at=at, note=note or reasons.get(status, "")))
        history += VOLUNTEER_WORKFLOW.history(v, steps)
    VolunteerStatusChange.objects.bulk_create(history, batch_size=1000)


def _anonymise(rng, volunteer: Volunteer, withdrawn_at: datetime.datetime) -> None:
    """Five minutes after the withdrawal; the user is written already, the volunteer not yet."""
    user = volunteer.user
    _erase_identity(rng, user, volunteer, withdrawn_at + datetime.timedelta(minutes=5))
    volunteer.quartier = None
    user.save(update_fields=["email", "first_name", "last_name", "is_active"])


def _categories_and_skills(rng, plans: list[Plan], support_plans: list[SupportPlan], categories) -> None:
    chosen = {id(p.volunteer): {_weighted(rng, CATEGORY_WEIGHTS) for _ in range(rng.randint(2, 5))} for p in plans}
    for plan in support_plans:
        chosen[id(plan.volunteer)].add(plan.request.category.slug)
    skills = list(Skill.objects.order_by("bit"))
    Volunteer.categories.through.objects.bulk_create(
        [
            Volunteer.categories.through(volunteer_id=p.volunteer.pk, helpcategory_id=categories[slug].pk)
            for p in plans
            for slug in sorted(chosen[id(p.volunteer)])
        ],
        batch_size=1000,
    )
    refresh_categories_masks([p.volunteer.pk for p in plans])
    Volunteer.skills.through.objects.bulk_create(
        [
            Volunteer.skills.through(volunteer_id=p.volunteer.pk, skill_id=skill.pk)
            for p in plans
            for skill in rng.sample(skills, rng.randint(0, 3))
        ],
        batch_size=1000,
    )


def _write_supports(rng, support_plans: list[SupportPlan], coordinator, operator):
    """Proposals, supports, missions and their histories; every support ended by the closure."""
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                help_request=plan.request,
                status=ProposalStatus.ACCEPTED,
                created_at=plan.started - datetime.timedelta(hours=2),
                created_by=coordinator,
                expires_at=plan.started + datetime.timedelta(hours=22),
                closed_at=plan.started,
            )
            for plan in support_plans
        ],
        batch_size=500,
    )
    ProposalOffer.objects.bulk_create(
        [
            ProposalOffer(
                proposal=proposal,
                volunteer=plan.volunteer,
                status=OfferStatus.ACCEPTED,
                score=round(rng.uniform(60, 95), 1),
                sent_at=proposal.created_at,
                responded_at=plan.started,
                token_hash=token_digest(f"rennes-{rng.getrandbits(96):024x}"),
            )
            for proposal, plan in zip(proposals, support_plans, strict=True)
        ],
        batch_size=500,
    )
    closure = _at(CLOSURE, 17)
    supports = []
    for proposal, plan in zip(proposals, support_plans, strict=True):
        handed_over = plan.kind == SupportKind.RECURRING and rng.random() < 0.15
        ended = min(closure, plan.last + datetime.timedelta(days=1))
        supports.append(
            Support(
                help_request=plan.request,
                volunteer=plan.volunteer,
                resident=plan.request.resident,
                proposal=proposal,
                kind=plan.kind,
                status=SupportStatus.HANDED_OVER if handed_over else SupportStatus.ENDED,
                started_at=plan.started,
                ended_at=ended,
                end_reason="Suivi repris par une association" if handed_over else "Besoin couvert",
                created_by=coordinator,
            )
        )
    Support.objects.bulk_create(supports, batch_size=500)

    missions, transitions, evaluations = [], [], []
    for support, plan in zip(supports, support_plans, strict=True):
        request = plan.request
        slug = request.category.slug
        for scheduled, status in plan.missions:
            mission = Mission(support=support, scheduled_at=scheduled, status=status, created_at=plan.started)
            if status == MissionStatus.DONE:
                mission.duration_minutes = rng.choice([30, 45, 60, 60, 90, 120])
                mission.done_at = scheduled + datetime.timedelta(minutes=mission.duration_minutes)
                mission.report = rng.choice(REPORTS)
                if slug == "courses":
                    mission.amount_advanced = Decimal(rng.randint(800, 9000)) / 100
                    mission.reimbursed = True
                    mission.reimbursed_at = mission.done_at + datetime.timedelta(days=1)
            elif status == MissionStatus.MISSED:
                mission.missed_reason = rng.choice([MissedReason.RESIDENT_ABSENT, MissedReason.VOLUNTEER_PREVENTED])
            missions.append(mission)
        transitions += REQUEST_WORKFLOW.history(
            request,
            [
                Step(RequestStatus.NEW, by=operator, at=request.created_at),
                Step(RequestStatus.QUALIFIED, by=operator, at=request.created_at + datetime.timedelta(minutes=20)),
                Step(RequestStatus.SEARCHING, by=coordinator, at=plan.started - datetime.timedelta(hours=2)),
                Step(RequestStatus.SUPPORTED, by=plan.volunteer.user, at=plan.started),
                Step(RequestStatus.CLOSED, by=coordinator, at=support.ended_at),
            ],
        )
        if rng.random() < 0.5:
            comments = ["", "Très gentille personne.", "Merci beaucoup !"]
            evaluations.append(_evaluation(rng, support, EvaluationAuthor.RESIDENT, comments, recorded_by=operator))
    Mission.objects.bulk_create(missions, batch_size=500)
    logs = []
    for mission in missions:
        logs += _mission_history(mission, coordinator)
    HelpRequestTransition.objects.bulk_create(transitions, batch_size=1000)
    MissionTransition.objects.bulk_create(logs, batch_size=1000)
    Evaluation.objects.bulk_create(evaluations)
    return supports, missions


def _close_other_requests(requests: list[HelpRequest], operator, coordinator) -> None:
    """The requests closed without support: qualified, then closed (no follow-up, referred, cancelled)."""
    transitions = []
    for request in requests:
        transitions += REQUEST_WORKFLOW.history(
            request,
            [
                Step(RequestStatus.NEW, by=operator, at=request.created_at),
                Step(RequestStatus.QUALIFIED, by=operator, at=request.created_at + datetime.timedelta(minutes=20)),
                Step(RequestStatus.CLOSED, by=coordinator, at=request.created_at + datetime.timedelta(days=2)),
            ],
        )
    HelpRequestTransition.objects.bulk_create(transitions)
