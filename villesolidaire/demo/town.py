"""The demo town: a fictitious commune with volunteers, residents, requests, supports and missions.

Nothing here describes a real place or person. "Val-Solidaire" and its INSEE code 99123 are
invented (codes starting with 99 are never given to a French commune), the streets are
combinations of common words, the coordinates are an arbitrary point, and people's names
are random Faker (fr_FR) combinations. Phone numbers come from the ranges ARCEP reserves
for fiction (01 99 00 xx xx, 06 39 98 xx xx) and e-mail addresses end in ".invalid", so no
message can reach anybody.

Everything derives from `random.Random(seed)` and a Faker seeded with the same number, so
a seed always gives the same town, the same counts and the same names. Rows are written
with bulk_create (a few dozen queries in all) and the matching index is rebuilt at the end.

The demo app sits at the top of the stack: each app contributes its part through a small
function in its own `demo.py` (`territory.demo.seed_territory_demo`,
`accounts.demo.seed_staff_accounts`, `register.demo.seed_register`, …), importing only
its own layer and below; this module orders them and writes what links several apps.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from faker import Faker

from villesolidaire.accounts.demo import DEMO_DOMAIN, seed_staff_accounts
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.campaigns.demo import seed_past_heatwave, seed_recent_cold_spell
from villesolidaire.core.choices import LANGUAGES
from villesolidaire.core.fields import token_digest
from villesolidaire.core.fuzzy import index_text
from villesolidaire.core.text import fold
from villesolidaire.core.workflow import Step
from villesolidaire.crises.models import Episode
from villesolidaire.help_requests.enums import WORKFLOW as REQUEST_WORKFLOW
from villesolidaire.help_requests.enums import Channel as RequestChannel
from villesolidaire.help_requests.enums import ClosureReason, Recurrence, TimeWindow, Urgency
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpCategory, HelpRequest, HelpRequestTransition
from villesolidaire.matching.index import rebuild_index
from villesolidaire.matching.models import OfferStatus, Proposal, ProposalOffer, ProposalStatus
from villesolidaire.missions.enums import MISSION_WORKFLOW, EvaluationAuthor, MissionStatus, SupportKind, SupportStatus
from villesolidaire.missions.models import Evaluation, Mission, MissionTransition, Support
from villesolidaire.needs.demo import seed_needs_demo
from villesolidaire.neighbours.demo import seed_neighbours_demo
from villesolidaire.notifications.models import CallTask, CallTaskStatus, Message, MessageStatus
from villesolidaire.notifications.models import Channel as MessageChannel
from villesolidaire.partners.demo import seed_partners_demo
from villesolidaire.register.demo import seed_register
from villesolidaire.register.models import EntryStatus
from villesolidaire.residents.models import PreferredChannel, Resident, ResidentContact
from villesolidaire.surveys.demo import seed_evaluation_demo
from villesolidaire.territory.demo import POSTCODE, TOWN_NAME, seed_territory_demo
from villesolidaire.trainings.demo import seed_trainings_demo
from villesolidaire.volunteers.enums import WORKFLOW as VOLUNTEER_WORKFLOW
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import RecruitmentCall, Skill, Volunteer, VolunteerStatusChange
from villesolidaire.volunteers.services import refresh_categories_masks

DEFAULT_SEED = 2026
DEMO_VOLUNTEER_EMAILS = [f"volontaire1@{DEMO_DOMAIN}", f"volontaire2@{DEMO_DOMAIN}"]

# Sizes, after the Rennes programme (2020–21): 509 sign-ups, 405 active, 171 residents
# helped, 227 supports, 398 missions.
VOLUNTEER_STATUSES = {
    VolunteerStatus.ACTIVE: 400,
    VolunteerStatus.REGISTERED: 40,
    VolunteerStatus.PAUSED: 25,
    VolunteerStatus.RESERVE: 10,
    VolunteerStatus.WITHDRAWN: 25,
}
RESIDENTS = 170
SUPPORTS = 230
MISSIONS = 400
OTHER_REQUESTS = {
    RequestStatus.NEW: 8,
    RequestStatus.QUALIFIED: 5,
    RequestStatus.SEARCHING: 9,
    RequestStatus.CLOSED: 8,
}
HISTORY_DAYS = 300  # about ten months


CATEGORY_WEIGHTS = {
    "courses": 40,
    "convivialite": 15,
    "demarches": 10,
    "promenade": 8,
    "accompagnement-rdv": 8,
    "aide-informatique": 6,
    "francais": 4,
    "soutien-scolaire": 4,
    "lecture": 3,
    "autre": 2,
}
REQUEST_TEXTS = {
    "courses": [
        "Courses de la semaine au supermarché du quartier.",
        "Aller chercher des médicaments à la pharmacie.",
        "Courses et retrait d'un colis au point relais.",
        "Rapporter des livres à la médiathèque.",
    ],
    "convivialite": [
        "Appel de convivialité deux fois par semaine.",
        "Personne isolée qui aimerait parler un peu chaque semaine.",
    ],
    "demarches": ["Aide pour remplir un dossier de retraite.", "Aide pour une demande d'aide au logement."],
    "promenade": ["Petite promenade au parc, la personne marche avec une canne.", "Sortie à pied dans le quartier."],
    "accompagnement-rdv": [
        "Accompagnement à un rendez-vous chez le médecin.",
        "Accompagnement à la mairie pour un dossier.",
    ],
    "aide-informatique": ["Aide pour utiliser une tablette et faire des appels vidéo.", "Installer une imprimante."],
    "francais": [
        "Conversation en français pour progresser à l'oral.",
        "Aide à la lecture de courriers administratifs.",
    ],
    "soutien-scolaire": ["Aide aux devoirs pour un enfant en CM2.", "Soutien en mathématiques pour un collégien."],
    "lecture": ["Lecture du courrier pour une personne malvoyante.", "Lecture du journal à voix haute."],
    "autre": ["Aide pour déplacer un meuble léger.", "Arroser les plantes pendant une hospitalisation."],
}
REPORTS = [
    "Tout s'est bien passé.",
    "Courses livrées, ticket remis.",
    "Personne très contente de la visite.",
    "Rendez-vous tenu, prochain prévu.",
    "Bon échange, à refaire.",
    "",
]
CONTACT_RELATIONS = ["Fille", "Fils", "Voisine", "Voisin", "Nièce", "Ami·e"]


@dataclass
class DemoSummary:
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    ban_file: Path | None = None


# --------------------------------------------------------------------------- helpers


class Clock:
    """Dates relative to an anchor, `now`: the moment of seeding, or a given day at noon (local
    time), so that a seed gives the same town. Nothing that has happened is dated after it: seeded
    at night, the town's day so far has no afternoon yet."""

    def __init__(self, today: datetime.date, rng: random.Random, now: datetime.datetime | None = None):
        self.now = now or timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))
        self.start = self.now - datetime.timedelta(days=HISTORY_DAYS)
        self.rng = rng

    def day(self, offset_days: float) -> datetime.datetime:
        return self.start + datetime.timedelta(days=offset_days)

    def daytime(self, moment: datetime.datetime, first_hour: int = 8, last_hour: int = 19) -> datetime.datetime:
        """The same local day at a plausible hour."""
        local = timezone.localtime(moment)
        hour, minute = self.rng.randint(first_hour, last_hour), self.rng.choice([0, 15, 30, 45])
        return timezone.make_aware(datetime.datetime.combine(local.date(), datetime.time(hour, minute)))

    def past_daytime(self, moment: datetime.datetime, first_hour: int = 8, last_hour: int = 19) -> datetime.datetime:
        """As daytime, for something that has happened: not after now (today's hour may be to come)."""
        return min(self.daytime(moment, first_hour, last_hour), self.now)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _phone(prefix: str, number: int) -> str:
    return f"{prefix}{number:04d}"


def _slug(text: str) -> str:
    return fold(text).replace(" ", "-")


def _languages(rng: random.Random, chances: list[tuple[str, float]]) -> int:
    """French, and each other language (code, chance) that the draw gives."""
    languages = LANGUAGES.bit_of("fr")
    for code, chance in chances:
        if rng.random() < chance:
            languages |= LANGUAGES.bit_of(code)
    return languages


def _availability(rng: random.Random) -> int:
    """Three to twelve of the week's 21 slots (core.choices.AVAILABILITY)."""
    availability = 0
    for bit in rng.sample(range(21), rng.randint(3, 12)):
        availability |= 1 << bit
    return availability


def _volunteer_user(rng: random.Random, *, email: str, first_name: str, last_name: str, created) -> User:
    """A volunteer's account, not saved yet, with an unusable password ("!", as Django writes one)."""
    return User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=f"!demo{rng.getrandbits(64):016x}",
        date_joined=created,
    )


def _erase_identity(rng: random.Random, user: User, volunteer: Volunteer, at: datetime.datetime) -> None:
    """As volunteers.services does on withdrawal: identity erased, statistics kept (nothing saved)."""
    volunteer.first_name, volunteer.last_name = "Volontaire", "anonymisé·e"
    volunteer.email, volunteer.phone, volunteer.birth_year, volunteer.skills_other = "", "", None, ""
    volunteer.address = volunteer.address_complement = volunteer.postcode = volunteer.city = volunteer.ban_id = ""
    volunteer.latitude = volunteer.longitude = None
    volunteer.is_located = False
    volunteer.consent_share_with_partners = False
    volunteer.anonymised_at = at
    user.email = f"{rng.getrandbits(128):032x}@sans-email.invalid"
    user.first_name = user.last_name = ""
    user.is_active = False


def _write_volunteers(volunteers: list[Volunteer]) -> None:
    """The volunteers (their users written already), and the volunteer role of those not withdrawn."""
    for volunteer in volunteers:
        volunteer.fill_search_name()  # as Volunteer.save does, which bulk_create skips
    Volunteer.objects.bulk_create(volunteers, batch_size=500)
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=v.user, role=Role.VOLUNTEER) for v in volunteers if v.status != VolunteerStatus.WITHDRAWN],
        batch_size=500,
    )


def _write_resident_contacts(rng: random.Random, fake: Faker, residents: list[Resident]) -> None:
    """A relative, neighbour or friend to call for about a third of the residents (written already)."""
    ResidentContact.objects.bulk_create(
        [
            ResidentContact(
                resident=resident,
                name=f"{fake.first_name()} {fake.last_name()}",
                relation=rng.choice(CONTACT_RELATIONS),
                phone=_phone("+3319900", 5000 + n),
            )
            for n, resident in enumerate(r for r in residents if rng.random() < 0.3)
        ]
    )


def _mission_history(mission: Mission, coordinator: User) -> list[MissionTransition]:
    """Planned by the coordinator; then done by the volunteer, or missed or cancelled (coordinator)."""
    steps = [Step(MissionStatus.PLANNED, by=coordinator, at=mission.created_at)]
    if mission.status != MissionStatus.PLANNED:
        at = mission.done_at or mission.scheduled_at + datetime.timedelta(hours=2)
        by = mission.support.volunteer.user if mission.status == MissionStatus.DONE else coordinator
        steps.append(Step(mission.status, by=by, at=at))
    return MISSION_WORKFLOW.history(mission, steps)


# --------------------------------------------------------------------------- the town


@transaction.atomic
def seed_demo(
    seed: int = DEFAULT_SEED, *, today: datetime.date | None = None, var_dir: Path | None = None
) -> DemoSummary:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    # Without a given day, the demo is dated from this very moment (no event later than now).
    clock = Clock(today, rng) if today else Clock(timezone.localdate(), rng, now=timezone.now())
    summary = DemoSummary(seed=seed)

    # Town, quartiers, addresses.
    quartiers, addresses, ban_file = seed_territory_demo(rng, var_dir=var_dir or settings.VAR_DIR)
    summary.ban_file = ban_file

    staff = seed_staff_accounts()
    coordinator, operator = staff[Role.COORDINATOR], staff[Role.OPERATOR]
    call = RecruitmentCall.objects.create(
        title="Devenez volontaire solidaire à Val-Solidaire",
        description="Le CCAS cherche des habitant·es disponibles quelques heures par semaine pour aider leurs "
        "voisin·es : courses, appels de convivialité, démarches, promenades.",
        opens_at=clock.start,
        closes_at=clock.now + datetime.timedelta(days=60),
    )

    categories = {c.slug: c for c in HelpCategory.objects.all()}
    skills = list(Skill.objects.order_by("bit"))
    volunteers = _volunteers(rng, fake, clock, addresses, quartiers, categories, skills, call, coordinator)
    residents = _residents(rng, fake, clock, addresses, quartiers, operator)
    supports, missions = _supports_and_missions(rng, clock, volunteers, residents, categories, coordinator, operator)
    _other_requests(rng, clock, volunteers, residents, categories, coordinator, operator)
    _messages_and_calls(rng, clock, volunteers, residents, supports, operator)
    # Partners, trainings, needs and neighbour networks draw from their own sequence, so adding
    # them left the rest of the town (and the figures tests pin) unchanged.
    local = random.Random(seed + 4)
    trainings = seed_trainings_demo(local, today=clock.now.date(), volunteers=volunteers, coordinator=coordinator)
    indexed = rebuild_index()  # after the trainings: the index holds each volunteer's valid trainings
    register = seed_register(
        rng,
        fake,
        today=clock.now.date(),
        addresses=addresses,
        quartiers=quartiers,
        officer=staff[Role.REGISTER_OFFICER],
        postcode=POSTCODE,
        town_name=TOWN_NAME,
    )
    heatwave = seed_past_heatwave(
        rng, today=clock.now.date(), officer=staff[Role.REGISTER_OFFICER], caller=staff[Role.CALLER]
    )
    seed_recent_cold_spell(
        rng, today=clock.now.date(), officer=staff[Role.REGISTER_OFFICER], caller=staff[Role.CALLER]
    )
    _link_to_episodes()

    partners = seed_partners_demo(
        local, today=clock.now.date(), addresses=addresses, quartiers=quartiers, coordinator=coordinator
    )
    needs = seed_needs_demo(local, today=clock.now.date(), coordinator=coordinator)
    neighbours = seed_neighbours_demo(
        local,
        today=clock.now.date(),
        volunteers=volunteers,
        residents=residents,
        addresses=addresses,
        quartiers=quartiers,
        coordinator=coordinator,
    )
    # Its own sequence too: the evaluations' extra answers leave every pinned figure as it was.
    evaluation = seed_evaluation_demo(random.Random(seed + 5), coordinator=coordinator)

    summary.counts = {
        "quartiers": len(quartiers),
        "adresses": len(addresses),
        "volontaires": len(volunteers),
        "volontaires actifs": sum(1 for v in volunteers if v.status == VolunteerStatus.ACTIVE),
        "habitants": len(residents),
        "demandes": HelpRequest.objects.count(),
        "soutiens": len(supports),
        "missions": len(missions),
        "missions réalisées": sum(1 for m in missions if m.status == MissionStatus.DONE),
        "index": indexed,
        "inscriptions au registre": len(register),
        "inscrit·es au registre": sum(1 for e in register if e.status == EntryStatus.REGISTERED),
        "canicule passée : personnes appelées": heatwave["targets"],
        "canicule passée : appels": heatwave["attempts"],
        "canicule passée : escalades": heatwave["escalations"],
        **partners,
        **trainings,
        **needs,
        **neighbours,
        **evaluation,
    }
    return summary


def _volunteers(rng, fake, clock, addresses, quartiers, categories, skills, call, coordinator) -> list[Volunteer]:
    statuses = [status for status, count in VOLUNTEER_STATUSES.items() for _ in range(count)]
    rng.shuffle(statuses)
    # The two demo volunteers with known e-mails are active.
    for index in range(len(DEMO_VOLUNTEER_EMAILS)):
        swap = statuses.index(VolunteerStatus.ACTIVE, index)
        statuses[index], statuses[swap] = statuses[swap], statuses[index]

    slugs = list(CATEGORY_WEIGHTS)
    users, volunteers, category_links, skill_links, history = [], [], [], [], []
    for index, status in enumerate(statuses):
        first_name, last_name = fake.first_name(), fake.last_name()
        if status == VolunteerStatus.REGISTERED:
            created = clock.day(HISTORY_DAYS - rng.uniform(0.5, 20))  # recent sign-ups wait for validation
        elif rng.random() < 0.7:
            created = clock.day(rng.uniform(0, 21))  # the first three weeks after the call
        else:
            created = clock.day(rng.uniform(21, HISTORY_DAYS - 20))
        created = clock.past_daytime(created, 7, 22)
        email = (
            DEMO_VOLUNTEER_EMAILS[index]
            if index < len(DEMO_VOLUNTEER_EMAILS)
            else f"{_slug(first_name)}.{_slug(last_name)}.{index}@{DEMO_DOMAIN}"
        )
        address = rng.choice(addresses)
        located = index < len(DEMO_VOLUNTEER_EMAILS) or rng.random() > 0.04  # a few addresses the geocoder missed
        validated = (
            created + datetime.timedelta(days=rng.uniform(0.2, 4)) if status != VolunteerStatus.REGISTERED else None
        )
        languages = _languages(
            rng, [("en", 0.3), ("es", 0.1), ("ar", 0.06), ("pt", 0.05), ("de", 0.05), ("uk", 0.02), ("lsf", 0.01)]
        )
        availability = _availability(rng)
        user = _volunteer_user(rng, email=email, first_name=first_name, last_name=last_name, created=created)
        volunteer = Volunteer(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=_phone("+3363998", index) if rng.random() < 0.85 or index < 2 else "",
            birth_year=rng.randint(1950, 2004),
            **(address.located_fields(quartiers) if located else _hamlet_address(rng)),
            languages=languages,
            availability=(1 << 21) - 1 if index < 2 else availability,
            mobility=rng.choice([1, 1, 2, 3, 4, 5, 9, 13]),
            max_distance_km=rng.choice([1, 2, 3, 3, 5, 5, 8, 10]),
            domains=1 | (2 if rng.random() < 0.3 else 0) | (4 if rng.random() < 0.2 else 0),
            status=status,
            recruitment_call=call,
            gdpr_notice_accepted_at=created,
            charter_accepted_at=created,
            consent_share_with_partners=rng.random() < 0.4,
            created_at=created,
            validated_at=validated,
            skills_other=rng.choice(["", "", "", "Couture", "Jardinage", "Cuisine"]),
        )
        chosen = set(slugs) if index < 2 else {_weighted(rng, CATEGORY_WEIGHTS) for _ in range(rng.randint(2, 6))}
        if status == VolunteerStatus.WITHDRAWN:
            since = validated or created  # withdrawn 10 to 120 days later, yesterday at the latest
            at = min(clock.now - datetime.timedelta(days=1), since + datetime.timedelta(days=rng.uniform(10, 120)))
            _erase_identity(rng, user, volunteer, at)
        users.append(user)
        volunteers.append(volunteer)
        category_links.append(sorted(chosen))
        skill_links.append(sorted({s.pk for s in rng.sample(skills, rng.randint(0, 3))}))

    User.objects.bulk_create(users, batch_size=500)
    for user, volunteer in zip(users, volunteers, strict=True):
        volunteer.user = user
    _write_volunteers(volunteers)
    Volunteer.categories.through.objects.bulk_create(
        [
            Volunteer.categories.through(volunteer_id=v.pk, helpcategory_id=categories[slug].pk)
            for v, chosen in zip(volunteers, category_links, strict=True)
            for slug in chosen
        ],
        batch_size=1000,
    )
    refresh_categories_masks([v.pk for v in volunteers])
    Volunteer.skills.through.objects.bulk_create(
        [
            Volunteer.skills.through(volunteer_id=v.pk, skill_id=pk)
            for v, chosen in zip(volunteers, skill_links, strict=True)
            for pk in chosen
        ],
        batch_size=1000,
    )
    for volunteer, chosen in zip(volunteers, category_links, strict=True):
        volunteer.category_slugs = set(chosen)
        history += _status_history(rng, volunteer, coordinator, clock)
    VolunteerStatusChange.objects.bulk_create(history, batch_size=1000)
    return volunteers


def _hamlet_address(rng) -> dict:
    """An address the geocoder does not know: kept as typed, not on the map."""
    return {"address": f"{rng.randint(1, 40)} lieu-dit les Hauts", "postcode": POSTCODE, "city": TOWN_NAME}


def _status_history(rng, volunteer: Volunteer, coordinator: User, clock: Clock) -> list[VolunteerStatusChange]:
    steps = [Step(VolunteerStatus.REGISTERED, by=volunteer.user, at=volunteer.created_at, note="Inscription en ligne")]
    if volunteer.validated_at:
        steps.append(
            Step(VolunteerStatus.ACTIVE, by=coordinator, at=volunteer.validated_at, note="Entretien téléphonique fait")
        )
    if volunteer.status in (VolunteerStatus.PAUSED, VolunteerStatus.RESERVE, VolunteerStatus.WITHDRAWN):
        at = volunteer.anonymised_at or min(
            clock.now - datetime.timedelta(days=1),
            volunteer.validated_at + datetime.timedelta(days=rng.uniform(20, 150)),
        )
        reason = {
            VolunteerStatus.PAUSED: "Reprise du travail, indisponible quelques semaines",
            VolunteerStatus.RESERVE: "Disponible seulement en cas de forte demande",
            VolunteerStatus.WITHDRAWN: "Désistement à sa demande",
        }[volunteer.status]
        steps.append(Step(volunteer.status, by=coordinator, at=at, note=reason))
    return VOLUNTEER_WORKFLOW.history(volunteer, steps)


def _residents(rng, fake, clock, addresses, quartiers, operator) -> list[Resident]:
    residents = []
    for index in range(RESIDENTS):
        first_name, last_name = fake.first_name(), fake.last_name()
        address = rng.choice(addresses)
        has_mobile = rng.random() < 0.55
        has_landline = not has_mobile or rng.random() < 0.5
        resident = Resident(
            first_name=first_name,
            last_name=last_name,
            birth_year=rng.randint(1925, 1965),
            phone=_phone("+3319900", index) if has_landline else "",
            mobile=_phone("+3363998", 5000 + index) if has_mobile else "",
            preferred_channel=PreferredChannel.SMS if has_mobile and rng.random() < 0.6 else PreferredChannel.CALL,
            language=rng.choices(["fr", "ar", "pt", "uk"], weights=[92, 4, 2, 2])[0],
            notes=rng.choice(
                ["", "", "", "Sonner deux fois, entend mal.", "Digicode : demander par téléphone.", "Chien calme."]
            ),
            **address.located_fields(quartiers),
            search_name=fold(f"{last_name} {first_name}"),
            search_keys=index_text(fold(f"{last_name} {first_name}")),
            created_at=clock.past_daytime(clock.day(rng.uniform(3, HISTORY_DAYS - 5))),
            created_by=operator,
        )
        residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=500)
    _write_resident_contacts(rng, fake, residents)
    return residents


def _mission_counts(rng, kinds: list[str]) -> list[int]:
    """Missions per support, adjusted so the town has exactly MISSIONS of them."""
    counts = [
        rng.randint(2, 5) if kind == SupportKind.RECURRING else (2 if rng.random() < 0.15 else 1) for kind in kinds
    ]
    recurring = [i for i, kind in enumerate(kinds) if kind == SupportKind.RECURRING]
    while sum(counts) != MISSIONS:
        i = rng.choice(recurring)
        if sum(counts) > MISSIONS and counts[i] > 2:
            counts[i] -= 1
        elif sum(counts) < MISSIONS and counts[i] < 8:
            counts[i] += 1
    return counts


def _supports_and_missions(rng, clock, volunteers, residents, categories, coordinator, operator):
    kinds = [SupportKind.RECURRING if rng.random() < 0.3 else SupportKind.ONE_OFF for _ in range(SUPPORTS)]
    counts = _mission_counts(rng, kinds)
    # Every resident has at least one support; the others go to residents already known.
    owners = list(residents) + [rng.choice(residents) for _ in range(SUPPORTS - len(residents))]
    rng.shuffle(owners)
    helpers = [
        v for v in volunteers if v.status in (VolunteerStatus.ACTIVE, VolunteerStatus.PAUSED, VolunteerStatus.RESERVE)
    ]
    plans, requests = [], []
    for kind, count, resident in zip(kinds, counts, owners, strict=True):
        slug = _weighted(rng, CATEGORY_WEIGHTS)
        # The crisis months are busier: half of the supports start in the first quarter.
        offset = rng.uniform(5, 95) if rng.random() < 0.5 else rng.uniform(95, HISTORY_DAYS - 2)
        started = clock.daytime(clock.day(offset))
        step = 7 if rng.random() < 0.7 else 14
        dates = [
            clock.daytime(started + datetime.timedelta(days=rng.randint(1, 3) + n * step), 9, 18) for n in range(count)
        ]
        ends_in_past = dates[-1] < clock.now - datetime.timedelta(days=7)
        volunteer = _pick_volunteer(rng, helpers, resident, slug, any_status=ends_in_past)
        created = started - datetime.timedelta(hours=rng.uniform(6, 72))
        request = HelpRequest(
            resident=resident,
            category=categories[slug],
            description=rng.choice(REQUEST_TEXTS[slug]),
            urgency=rng.choices([Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL], weights=[75, 20, 5])[0],
            wished_start=timezone.localtime(dates[0]).date(),
            time_window=rng.choice(list(TimeWindow.values)),
            recurrence=Recurrence.WEEKLY
            if kind == SupportKind.RECURRING and step == 7
            else (Recurrence.FORTNIGHTLY if kind == SupportKind.RECURRING else Recurrence.ONCE),
            involves_money=slug == "courses",
            estimated_amount=Decimal(rng.randint(15, 80)) if slug == "courses" else None,
            channel=rng.choices(
                [RequestChannel.HOTLINE, RequestChannel.WEB, RequestChannel.THIRD_PARTY, RequestChannel.PARTNER],
                weights=[70, 12, 12, 6],
            )[0],
            status=RequestStatus.CLOSED if ends_in_past else RequestStatus.SUPPORTED,
            closure_reason=ClosureReason.DONE if ends_in_past else "",
            created_at=created,
            created_by=operator,
        )
        requests.append(request)
        plans.append((kind, started, dates, ends_in_past, volunteer, resident))
    HelpRequest.objects.bulk_create(requests, batch_size=500)

    proposals = [
        Proposal(
            help_request=request,
            status=ProposalStatus.ACCEPTED,
            created_at=started - datetime.timedelta(hours=2),
            created_by=coordinator,
            expires_at=started + datetime.timedelta(hours=22),
            closed_at=started,
        )
        for request, (_k, started, *_rest) in zip(requests, plans, strict=True)
    ]
    Proposal.objects.bulk_create(proposals, batch_size=500)
    offers = []
    for proposal, (_k, started, _d, _e, volunteer, _r) in zip(proposals, plans, strict=True):
        offers.append(
            ProposalOffer(
                proposal=proposal,
                volunteer=volunteer,
                status=OfferStatus.ACCEPTED,
                score=round(rng.uniform(60, 95), 1),
                sent_at=proposal.created_at,
                responded_at=started,
                token_hash=token_digest(f"demo-{rng.getrandbits(96):024x}"),
            )
        )
        for other in rng.sample(helpers, 2):
            if other is not volunteer:
                offers.append(
                    ProposalOffer(
                        proposal=proposal,
                        volunteer=other,
                        score=round(rng.uniform(30, 70), 1),
                        status=rng.choice([OfferStatus.TAKEN, OfferStatus.DECLINED]),
                        sent_at=proposal.created_at,
                        token_hash=token_digest(f"demo-{rng.getrandbits(96):024x}"),
                    )
                )
    ProposalOffer.objects.bulk_create(offers, batch_size=1000)

    supports, missions = [], []
    for request, proposal, (kind, started, dates, ended, volunteer, resident) in zip(
        requests, proposals, plans, strict=True
    ):
        supports.append(
            Support(
                help_request=request,
                volunteer=volunteer,
                resident=resident,
                proposal=proposal,
                kind=kind,
                status=SupportStatus.ENDED if ended else SupportStatus.ACTIVE,
                started_at=started,
                ended_at=dates[-1] + datetime.timedelta(days=1) if ended else None,
                end_reason="Besoin couvert" if ended else "",
                created_by=coordinator,
            )
        )
    Support.objects.bulk_create(supports, batch_size=500)

    transitions, mission_logs, evaluations = [], [], []
    for request, support, (_kind, started, dates, ended, volunteer, _resident) in zip(
        requests, supports, plans, strict=True
    ):
        created = request.created_at
        steps = [
            Step(RequestStatus.NEW, by=operator, at=created),
            Step(RequestStatus.QUALIFIED, by=operator, at=created + datetime.timedelta(hours=1)),
            Step(RequestStatus.SEARCHING, by=coordinator, at=started - datetime.timedelta(hours=2)),
            Step(RequestStatus.SUPPORTED, by=volunteer.user, at=started),
        ]
        if ended:
            steps.append(Step(RequestStatus.CLOSED, by=coordinator, at=support.ended_at))
        transitions += REQUEST_WORKFLOW.history(request, steps)
        for scheduled in dates:
            missions.append(_mission(rng, support, scheduled, clock, request.category.slug))
        if ended and rng.random() < 0.5:
            comments = ["", "Très gentille personne.", "Merci beaucoup !"]
            evaluations.append(_evaluation(rng, support, EvaluationAuthor.RESIDENT, comments, recorded_by=operator))
        if ended and rng.random() < 0.4:
            evaluations.append(_evaluation(rng, support, EvaluationAuthor.VOLUNTEER, ["", "Belle rencontre."]))
    Mission.objects.bulk_create(missions, batch_size=500)
    for mission in missions:
        mission_logs += _mission_history(mission, coordinator)
    HelpRequestTransition.objects.bulk_create(transitions, batch_size=1000)
    MissionTransition.objects.bulk_create(mission_logs, batch_size=1000)
    Evaluation.objects.bulk_create(evaluations)
    return supports, missions


def _link_to_episodes() -> None:
    """The requests, supports and missions of the town's history raised during the demo's crisis
    episodes count under them, by the rule the services apply as they create them
    (crises.selectors.episode_for): a request by its day and its resident's quartier, a support
    with its request, a mission by its day, else with its support. The episodes are seeded after
    that history, hence these plain updates (no draw from the random sequence: the rest of the
    town is unchanged)."""
    # In order of start, so that where two episodes overlap the one that started last wins.
    for episode in Episode.objects.order_by("starts_on", "pk").prefetch_related("quartiers"):
        start = timezone.make_aware(datetime.datetime.combine(episode.starts_on, datetime.time.min))
        requests = HelpRequest.objects.filter(created_at__gte=start)
        missions = Mission.objects.filter(scheduled_at__gte=start)
        if episode.ends_on:
            end = timezone.make_aware(
                datetime.datetime.combine(episode.ends_on + datetime.timedelta(days=1), datetime.time.min)
            )
            requests, missions = requests.filter(created_at__lt=end), missions.filter(scheduled_at__lt=end)
        quartiers = [quartier.pk for quartier in episode.quartiers.all()]
        if quartiers:  # none: the whole town
            requests = requests.filter(resident__quartier__in=quartiers)
            missions = missions.filter(support__resident__quartier__in=quartiers)
        requests.update(episode=episode)
        missions.update(episode=episode)
    Support.objects.update(
        episode=Subquery(HelpRequest.objects.filter(pk=OuterRef("help_request")).values("episode")[:1])
    )
    Mission.objects.filter(episode__isnull=True).update(
        episode=Subquery(Support.objects.filter(pk=OuterRef("support")).values("episode")[:1])
    )


def _evaluation(rng, support: Support, author: str, comments: list[str], *, recorded_by=None) -> Evaluation:
    """The rating of an ended support, mostly good."""
    return Evaluation(
        support=support,
        author=author,
        rating=rng.choices([3, 4, 5], [1, 3, 6])[0],
        comment=rng.choice(comments),
        recorded_by=recorded_by,
        created_at=support.ended_at,
    )


def _pick_volunteer(rng, helpers, resident, slug, *, any_status: bool) -> Volunteer:
    """A nearby volunteer who accepts the category (active now if the support goes on)."""
    pool = [v for v in helpers if slug in v.category_slugs and (any_status or v.status == VolunteerStatus.ACTIVE)]
    pool = pool or [v for v in helpers if v.status == VolunteerStatus.ACTIVE]

    def distance(volunteer):
        if volunteer.latitude is None:
            return 99.0
        return (volunteer.latitude - resident.latitude) ** 2 + ((volunteer.longitude - resident.longitude) * 0.68) ** 2

    nearest = sorted(pool, key=lambda v: distance(v))[:30]
    # Coordinators spread the work: someone who has not helped yet is usually preferred.
    fresh = [v for v in nearest if not getattr(v, "demo_supports", 0)]
    chosen = rng.choice(fresh if fresh and rng.random() < 0.85 else nearest)
    chosen.demo_supports = getattr(chosen, "demo_supports", 0) + 1
    return chosen


def _mission(rng, support: Support, scheduled: datetime.datetime, clock: Clock, slug: str) -> Mission:
    mission = Mission(support=support, scheduled_at=scheduled, created_at=min(scheduled, support.started_at))
    # A mission of the last two hours is not reported yet (it would be done after now).
    if scheduled > clock.now - datetime.timedelta(hours=2):
        mission.status = MissionStatus.PLANNED
        return mission
    mission.status = rng.choices(
        [MissionStatus.DONE, MissionStatus.MISSED, MissionStatus.CANCELLED], weights=[90, 5, 5]
    )[0]
    if mission.status == MissionStatus.DONE:
        mission.duration_minutes = rng.choice([30, 45, 60, 60, 90, 120])
        mission.done_at = scheduled + datetime.timedelta(minutes=mission.duration_minutes)
        mission.report = rng.choice(REPORTS)
        if slug == "courses":
            mission.amount_advanced = Decimal(rng.randint(800, 9000)) / 100
            reimbursed_at = mission.done_at + datetime.timedelta(days=1)
            mission.reimbursed = rng.random() < 0.85 and reimbursed_at <= clock.now
            mission.reimbursed_at = reimbursed_at if mission.reimbursed else None
    return mission


def _other_requests(rng, clock, volunteers, residents, categories, coordinator, operator) -> None:
    """Requests still in the pipeline (new, qualified, searching) and a few closed without support."""
    requests, plans = [], []
    reasons = [ClosureReason.NO_FOLLOW_UP, ClosureReason.REFERRED, ClosureReason.CANCELLED]
    for status, count in OTHER_REQUESTS.items():
        for n in range(count):
            slug = _weighted(rng, CATEGORY_WEIGHTS)
            created = clock.now - datetime.timedelta(
                hours=rng.uniform(1, 24 * (60 if status == RequestStatus.CLOSED else 6))
            )
            requests.append(
                HelpRequest(
                    resident=rng.choice(residents),
                    category=categories[slug],
                    description=rng.choice(REQUEST_TEXTS[slug]),
                    urgency=rng.choices([Urgency.NORMAL, Urgency.HIGH, Urgency.CRITICAL], weights=[60, 30, 10])[0],
                    wished_start=timezone.localdate(clock.now) + datetime.timedelta(days=rng.randint(0, 7)),
                    time_window=rng.choice(list(TimeWindow.values)),
                    channel=RequestChannel.HOTLINE,
                    status=status,
                    closure_reason=reasons[n % len(reasons)] if status == RequestStatus.CLOSED else "",
                    created_at=created,
                    created_by=operator,
                )
            )
            plans.append(status)
    HelpRequest.objects.bulk_create(requests)
    path = [RequestStatus.NEW, RequestStatus.QUALIFIED, RequestStatus.SEARCHING]
    transitions = []
    for request, status in zip(requests, plans, strict=True):
        reached = path[: path.index(status) + 1] if status in path else [RequestStatus.NEW, RequestStatus.CLOSED]
        steps = [
            Step(
                target,
                by=operator if step < 2 else coordinator,
                at=request.created_at + datetime.timedelta(minutes=20 * step),
            )
            for step, target in enumerate(reached)
        ]
        transitions += REQUEST_WORKFLOW.history(request, steps)
    HelpRequestTransition.objects.bulk_create(transitions)

    # Open proposals waiting for answers on half of the requests being searched.
    active = [v for v in volunteers if v.status == VolunteerStatus.ACTIVE]
    searching = [r for r, s in zip(requests, plans, strict=True) if s == RequestStatus.SEARCHING][::2]
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                help_request=r,
                created_by=coordinator,
                created_at=clock.now - datetime.timedelta(hours=3),
                expires_at=clock.now + datetime.timedelta(hours=21),
            )
            for r in searching
        ]
    )
    ProposalOffer.objects.bulk_create(
        [
            ProposalOffer(
                proposal=p,
                volunteer=v,
                score=round(rng.uniform(40, 90), 1),
                sent_at=p.created_at,
                token_hash=token_digest(f"demo-{rng.getrandbits(96):024x}"),
            )
            for p in proposals
            for v in rng.sample(active, 3)
        ]
    )


def _messages_and_calls(rng, clock, volunteers, residents, supports, operator) -> None:
    """A few sent messages (two failed) and the operators' call queue."""
    messages = []
    for n, volunteer in enumerate(rng.sample([v for v in volunteers if v.status == VolunteerStatus.ACTIVE], 18)):
        sms = bool(volunteer.phone)
        status = MessageStatus.FAILED if n < 2 else MessageStatus.SENT
        created = clock.now - datetime.timedelta(hours=rng.uniform(1, 24 * 10))
        messages.append(
            Message(
                channel=MessageChannel.SMS if sms else MessageChannel.EMAIL,
                recipient=str(volunteer.phone) if sms else volunteer.email,
                subject="" if sms else "Une demande d'aide près de chez vous",
                body="Val-Solidaire : une personne près de chez vous a besoin d'aide. Répondez par le lien reçu.",
                kind="proposal_offer",
                status=status,
                attempts=5 if status == MessageStatus.FAILED else 1,
                last_error="Numéro injoignable (réponse du prestataire : 400)"
                if status == MessageStatus.FAILED
                else "",
                created_at=created,
                sent_at=None if status == MessageStatus.FAILED else created + datetime.timedelta(seconds=5),
            )
        )
    Message.objects.bulk_create(messages)

    without_mobile = [s for s in supports if not s.resident.mobile]
    tasks = []
    for n, support in enumerate(rng.sample(without_mobile, min(12, len(without_mobile)))):
        done = n >= 8
        tasks.append(
            CallTask(
                resident=support.resident,
                support=support,
                help_request=support.help_request,
                kind="support_started",
                reason="Prévenir la personne qu'un·e volontaire a accepté et donner son prénom.",
                status=CallTaskStatus.DONE if done else CallTaskStatus.OPEN,
                created_at=clock.now - datetime.timedelta(hours=rng.uniform(1, 48)),
                done_at=clock.now - datetime.timedelta(minutes=30) if done else None,
                done_by=operator if done else None,
                outcome="Personne prévenue, ravie." if done else "",
            )
        )
    CallTask.objects.bulk_create(tasks)
