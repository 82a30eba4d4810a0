"""Demo data: a few neighbour networks of the fictitious town.

Called by `seed_demo` with its random generator, its volunteers, residents, invented BAN
addresses and quartiers. Names come from a Faker (fr_FR) seeded from `rng`, phone numbers from
the ranges ARCEP reserves for fiction (01 99 00 9x xx, 06 39 98 9x xx): nobody real is described.
The first active volunteer given (« volontaire1@demo.invalid » in the demo town) is the referent
of the first network, so the referent space can be shown straight away.
"""

import datetime
import random

from django.utils import timezone
from faker import Faker
from phonenumber_field.phonenumber import to_python

from villesolidaire.accounts.models import User
from villesolidaire.core.workflow import Step
from villesolidaire.help_requests.enums import WORKFLOW as REQUEST_WORKFLOW
from villesolidaire.help_requests.enums import Channel, Consent, Urgency
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.neighbours.enums import NETWORK_WORKFLOW, ConsentAction, ConsentMethod, NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import (
    Alert,
    ConsentEvent,
    Neighbour,
    Network,
    NetworkStatusChange,
    StateRecord,
)
from villesolidaire.neighbours.services import RESIDENT_NOTE, resident_address_for
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status as VolunteerStatus

BUILDING_NAMES = ["Résidence Les Tilleuls", "Immeuble du Marché", "Résidence du Parc", "Les Terrasses du Lavoir"]
FLOORS = ["RDC", "1er", "2e", "3e", "4e", "5e"]
DOORS = ["gauche", "droite", "face", "porte A", "porte B"]
PLACE_NOTES = {
    NetworkKind.BUILDING: [
        "Hall propre, ascenseur en service. Boîtes aux lettres abîmées au rez-de-chaussée.",
        "Ascenseur souvent en panne : difficile pour les étages élevés.",
        "Local vélo encombré, éclairage de l'escalier à changer.",
    ],
    NetworkKind.STREET: [
        "Rue calme, trottoirs étroits, pas de banc jusqu'à l'arrêt de bus.",
        "Travaux en bas de la rue : passage difficile avec un déambulateur.",
    ],
}
EXISTING_LINKS = [
    "Les voisines du 2e se rendent service pour les courses.",
    "Un groupe de voisins se retrouve le samedi au marché.",
    "Deux familles se gardent les enfants à tour de rôle.",
]
MISSING_LINKS = [
    "Un monsieur du 5e ne sort plus depuis l'hiver ; personne ne le connaît.",
    "Les nouveaux arrivants ne connaissent encore personne.",
    "Une dame âgée au fond de l'impasse ne voit personne en semaine.",
]
NEEDS = [
    "Courses pendant les pannes d'ascenseur.",
    "Aide pour les démarches en ligne.",
    "Visites de convivialité.",
    "",
]
PLACE_ALERT = "Éclairage du hall en panne depuis trois jours, l'escalier est dans le noir le soir."
PERSON_ALERT = "Volets fermés depuis deux jours et ne répond pas à la porte ; d'habitude elle sort chaque matin."


def _moment(today: datetime.date, days_ago: float, rng: random.Random) -> datetime.datetime:
    day = today - datetime.timedelta(days=int(days_ago))
    hour = datetime.time(rng.randint(9, 18), rng.choice([0, 15, 30]))
    return timezone.make_aware(datetime.datetime.combine(day, hour))


def _national(phone) -> str:
    """Demo rows hold E.164 strings, saved rows PhoneNumber objects: print either nationally."""
    number = to_python(phone) if phone else None
    return number.as_national if number and number.is_valid() else str(phone or "")[:20]


def _referent_for(rng, quartier, active: list, taken: set):
    """An active volunteer of the quartier when there is one, else any active volunteer."""
    free = [v for v in active if v.pk not in taken]
    near = [v for v in free if quartier is not None and v.quartier_id == quartier.pk]
    return rng.choice(near or free) if (near or free) else None


def seed_neighbours_demo(
    rng: random.Random,
    *,
    today: datetime.date,
    volunteers,
    residents,
    addresses,
    quartiers: dict,
    coordinator: User,
) -> dict:
    fake = Faker("fr_FR")
    fake.seed_instance(rng.getrandbits(32))
    active = [v for v in volunteers if v.status == VolunteerStatus.ACTIVE]
    if not active or not addresses:
        return {"réseaux de voisinage": 0}
    kinds = [NetworkKind.BUILDING, NetworkKind.STREET, NetworkKind.BUILDING, NetworkKind.STREET]
    taken: set[int] = set()
    networks, neighbours = [], []
    for index, kind in enumerate(kinds[: min(len(kinds), len(active))]):
        address = rng.choice(addresses)
        quartier = quartiers.get(address.quartier_code)
        referent = active[0] if index == 0 else _referent_for(rng, quartier, active, taken)
        taken.add(referent.pk)
        network = _network(rng, today, index, kind, address, quartier, referent, coordinator)
        networks.append(network)
        neighbours += _neighbours(
            rng, fake, today, network, residents, coordinator, start=len(neighbours), known_first=index == 0
        )
    records = [record for network in networks for record in _state_records(rng, today, network)]
    StateRecord.objects.bulk_create(records)
    alerts = _alerts(rng, today, networks[0], coordinator)
    return {
        "réseaux de voisinage": len(networks),
        "voisin·es": len(neighbours),
        "voisin·es suivi·es (accord en cours)": sum(1 for n in neighbours if n.has_consent),
        "états des lieux et des liens": len(records),
        "alertes": len(alerts),
        "alertes devenues demandes": sum(1 for a in alerts if a.help_request_id),
    }


def _network(rng, today, index, kind, address, quartier, referent, coordinator) -> Network:
    created = _moment(today, rng.uniform(120, 200), rng)
    building = kind == NetworkKind.BUILDING
    network = Network.objects.create(
        name=BUILDING_NAMES[index % len(BUILDING_NAMES)] if building else address.street,
        kind=kind,
        address=address.line if building else address.street,
        address_complement=rng.choice(["", "Bâtiment A", "Bâtiment B"]) if building else "",
        postcode="99230",
        city="Val-Solidaire",
        ban_id=address.ban_id if building else "",
        latitude=address.latitude,
        longitude=address.longitude,
        is_located=True,
        quartier=quartier,
        referent=referent,
        status=NetworkStatus.PAUSED if index == 3 else NetworkStatus.ACTIVE,
        created_at=created,
        created_by=coordinator,
    )
    steps = [Step(NetworkStatus.ACTIVE, by=coordinator, at=created, note="Création du réseau")]
    if network.status == NetworkStatus.PAUSED:
        steps.append(
            Step(NetworkStatus.PAUSED, by=coordinator, at=_moment(today, 20, rng), note="Référent·e en congé cet été")
        )
    NetworkStatusChange.objects.bulk_create(NETWORK_WORKFLOW.history(network, steps))
    return network


def _location(rng, kind: str) -> str:
    if kind == NetworkKind.BUILDING:
        return f"{rng.choice(FLOORS)} {rng.choice(DOORS)}"
    return str(rng.randint(1, 40))


def _neighbours(
    rng, fake, today, network, residents, coordinator, *, start: int, known_first: bool
) -> list[Neighbour]:
    """Five to eight neighbours; the second never gave consent, the third withdrew it. With
    `known_first`, the first one already has a resident file and consents: the demo alert about
    them reuses that file, so the town keeps its number of residents."""
    rows, events = [], []
    for offset in range(rng.randint(5, 8)):
        number = 9000 + start + offset
        known = known_first and offset == 0
        resident = rng.choice(residents) if residents and (known or rng.random() < 0.2) else None
        neighbour = Neighbour(
            network=network,
            location=_location(rng, network.kind),
            first_name=resident.first_name if resident else fake.first_name(),
            last_name=resident.last_name if resident else fake.last_name(),
            phone=f"+3319900{number:04d}" if rng.random() < 0.7 else "",
            mobile=f"+3363998{number:04d}" if rng.random() < 0.5 else "",
            resident=resident,
            created_by=coordinator,
            created_at=network.created_at,
        )
        state = "none" if offset == 1 else ("withdrawn" if offset == 2 else rng.choice(["given"] * 4 + ["none"]))
        state = "given" if known else state
        if state != "none":
            given = _moment(today, rng.uniform(30, 110), rng)
            neighbour.consent_given_at, neighbour.consent_recorded_by = given, coordinator
            neighbour.consent_method = rng.choice([ConsentMethod.ORAL_CCAS, ConsentMethod.WRITTEN])
            events.append(
                ConsentEvent(
                    neighbour=neighbour,
                    action=ConsentAction.GIVEN,
                    method=neighbour.consent_method,
                    effective_at=given,
                    by=coordinator,
                    at=given,
                )
            )
        if state == "withdrawn":
            withdrawn = _moment(today, rng.uniform(2, 25), rng)
            neighbour.consent_withdrawn_at = withdrawn
            events.append(
                ConsentEvent(
                    neighbour=neighbour,
                    action=ConsentAction.WITHDRAWN,
                    effective_at=withdrawn,
                    note="Ne souhaite plus être suivi·e.",
                    by=coordinator,
                    at=withdrawn,
                )
            )
        if resident is not None:
            # The same person as the file: the same numbers.
            neighbour.phone, neighbour.mobile = resident.phone, resident.mobile
        rows.append(neighbour)
    Neighbour.objects.bulk_create(rows)
    ConsentEvent.objects.bulk_create(events)
    return rows


def _state_records(rng, today, network) -> list[StateRecord]:
    author = network.referent.user
    label = f"{network.referent.first_name} {network.referent.last_name}"
    records = []
    for days_ago in sorted(rng.sample([8, 35, 64, 95], rng.randint(1, 3)), reverse=True):
        households = rng.randint(8, 40) if network.kind == NetworkKind.BUILDING else rng.randint(10, 30)
        alone = rng.randint(2, max(2, households // 3))
        records.append(
            StateRecord(
                network=network,
                visited_on=today - datetime.timedelta(days=days_ago),
                author=author,
                author_label=label,
                households_count=households,
                living_alone_count=alone,
                isolated_count=rng.randint(0, alone),
                place_notes=rng.choice(PLACE_NOTES[network.kind]),
                existing_links=rng.choice(EXISTING_LINKS),
                missing_links=rng.choice(MISSING_LINKS),
                needs_spotted=rng.choice(NEEDS),
                created_at=_moment(today, days_ago, rng),
            )
        )
    return records


def _alerts(rng, today, network, coordinator) -> list[Alert]:
    """One alert about a person (it became a help request) and one about the place, waiting."""
    alerts = [
        Alert.objects.create(
            network=network,
            raised_by=network.referent,
            text=PLACE_ALERT,
            urgency=Urgency.NORMAL,
            raised_at=_moment(today, 1, rng),
        )
    ]
    neighbour = network.neighbours.consenting().order_by("pk").first()
    category = HelpCategory.objects.filter(slug="convivialite").first() or HelpCategory.objects.order_by("pk").first()
    if neighbour is None or category is None:
        return alerts
    raised = _moment(today, 3, rng)
    resident = neighbour.resident or Resident.objects.create(
        first_name=neighbour.first_name,
        last_name=neighbour.last_name,
        phone=neighbour.phone,
        mobile=neighbour.mobile,
        notes=RESIDENT_NOTE.format(network=network.name),
        latitude=network.latitude,
        longitude=network.longitude,
        is_located=network.is_located,
        quartier=network.quartier,
        created_at=raised,
        created_by=network.referent.user,
        **resident_address_for(neighbour, network),
    )
    if neighbour.resident_id is None:
        neighbour.resident = resident
        neighbour.save(update_fields=["resident"])
    help_request = HelpRequest.objects.create(
        resident=resident,
        category=category,
        description=f"Alerte du réseau de voisinage « {network.name} » : {PERSON_ALERT}",
        urgency=Urgency.HIGH,
        channel=Channel.NEIGHBOURS,
        reporter_name=str(network.referent),
        reporter_relation=f"Référent·e du réseau de voisinage « {network.name} »"[:80],
        reporter_phone=_national(network.referent.phone),
        person_agrees=Consent.UNKNOWN,
        status=RequestStatus.NEW,
        created_at=raised,
        created_by=network.referent.user,
    )
    REQUEST_WORKFLOW.log_creation(help_request, by=network.referent.user, at=raised)
    alerts.append(
        Alert.objects.create(
            network=network,
            neighbour=neighbour,
            raised_by=network.referent,
            text=PERSON_ALERT,
            urgency=Urgency.HIGH,
            raised_at=raised,
            help_request=help_request,
        )
    )
    return alerts
