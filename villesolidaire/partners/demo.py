"""Demo town, partners: about forty fictitious organisations and their services.

Called by `seed_demo` with the invented town's addresses and quartiers. Names are built from
generic words and the invented street names: no real organisation or person is described.
Phone numbers come from the range ARCEP reserves for fiction (01 99 00 …) and e-mail
addresses end in ".invalid" (the open-data export leaves those out: the schema refuses them).
"""

import datetime
import random

from django.utils import timezone

from villesolidaire.accounts.demo import DEMO_DOMAIN, DEMO_PASSWORD, ensure_backup_codes
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import RoleGrant, User
from villesolidaire.core.workflow import Step
from villesolidaire.partners.models import (
    ORGANISATION_WORKFLOW,
    ChangeKind,
    Organisation,
    OrganisationContact,
    OrganisationMember,
    OrganisationStatus,
    OrganisationTransition,
    OrganisationType,
    PendingChange,
    Service,
)

PARTNER_EMAIL = "partenaire@demo.invalid"
PARTNER_PHONE_BASE = 7000  # 01 99 00 70 00 and after

# (type, count, name patterns); "{place}" is a street word of the invented town.
ORGANISATION_PLANS = [
    (
        OrganisationType.ASSOCIATION,
        18,
        [
            "Épicerie solidaire {place}",
            "Les Amis {place}",
            "Entraide {place}",
            "Vestiaire solidaire {place}",
            "Atelier vélo {place}",
            "Accorderie {place}",
            "Repair café {place}",
            "Jardin partagé {place}",
            "Aide aux devoirs {place}",
            "Café des aidants {place}",
            "Visites de convivialité {place}",
        ],
    ),
    (
        OrganisationType.MUNICIPAL_SERVICE,
        5,
        [
            "Maison de quartier {place}",
            "Médiathèque {place}",
            "Espace numérique {place}",
            "Centre social {place}",
        ],
    ),
    (OrganisationType.CCAS, 1, ["Antenne du CCAS {place}"]),
    (
        OrganisationType.SHOP,
        7,
        [
            "Boulangerie {place}",
            "Pharmacie {place}",
            "Supérette {place}",
            "Librairie {place}",
            "Primeur {place}",
        ],
    ),
    (OrganisationType.SOCIAL_LANDLORD, 2, ["Habitat {place}", "Résidences {place}"]),
    (OrganisationType.COMPANY, 2, ["Taxi solidaire {place}", "Transports {place}"]),
    (
        OrganisationType.RESIDENTS_GROUP,
        5,
        [
            "Voisins solidaires {place}",
            "Collectif des habitant·es {place}",
            "Immeuble solidaire {place}",
        ],
    ),
]
STATUS_PLAN = {OrganisationStatus.VALIDATED: 34, OrganisationStatus.PENDING: 4, OrganisationStatus.SUSPENDED: 2}

# (name, description, type, thématiques, publics, modes d'accueil, modes de mobilisation, frais)
SERVICE_TEMPLATES = {
    OrganisationType.ASSOCIATION: [
        (
            "Distribution alimentaire",
            "Colis alimentaires chaque semaine pour les foyers aux revenus modestes, sur "
            "orientation d'un travailleur social ou après un premier rendez-vous.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["beneficiaires-des-minimas-sociaux", "familles"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
        ),
        (
            "Vestiaire solidaire",
            "Vêtements et chaussures pour toute la famille, à petit prix ou gratuits selon la situation.",
            "aide-materielle",
            ["equipement-et-alimentation--habillement"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "payant",
        ),
        (
            "Appels et visites de convivialité",
            "Des bénévoles appellent ou rendent visite chaque semaine aux personnes âgées isolées qui le souhaitent.",
            "accompagnement",
            ["remobilisation--lien-social"],
            ["seniors"],
            ["a-distance", "en-presentiel"],
            ["telephoner"],
            "gratuit",
        ),
        (
            "Aide aux devoirs",
            "Accompagnement scolaire des enfants du primaire et du collège, deux soirs par semaine.",
            "accompagnement",
            ["famille--soutien-a-la-parentalite-et-a-leducation"],
            ["familles", "jeunes"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
        (
            "Réparation de vélos",
            "Atelier participatif : apprenez à réparer votre vélo avec des bénévoles, outils et "
            "pièces d'occasion sur place.",
            "atelier",
            ["mobilite--mobilite-douce-partagee-collective"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
        (
            "Café des aidants",
            "Un temps d'échange mensuel entre personnes qui accompagnent un proche malade, âgé ou "
            "en situation de handicap.",
            "atelier",
            ["famille--soutien-aidants"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
        ),
    ],
    OrganisationType.MUNICIPAL_SERVICE: [
        (
            "Accompagnement aux démarches en ligne",
            "Un conseiller numérique aide à créer une adresse e-mail, à "
            "déclarer ses revenus ou à prendre un rendez-vous médical en ligne.",
            "accompagnement",
            ["numerique--acceder-a-des-services-en-ligne"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
        ),
        (
            "Salle rafraîchie en cas de canicule",
            "Pendant les alertes canicule, une salle climatisée est ouverte au public avec de l'eau fraîche.",
            "aide-materielle",
            ["sante--acces-aux-soins"],
            ["seniors", "familles"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
        (
            "Ateliers de lien social",
            "Jeux, lecture, sorties : des après-midi pour se retrouver entre habitant·es.",
            "atelier",
            ["remobilisation--lien-social", "remobilisation--activites-sportives-et-culturelles"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
    ],
    OrganisationType.CCAS: [
        (
            "Aide alimentaire d'urgence",
            "Bons alimentaires d'urgence après un entretien avec un travailleur social.",
            "aide-financiere",
            ["equipement-et-alimentation--alimentation"],
            ["personnes-en-situation-durgence"],
            ["en-presentiel"],
            ["telephoner"],
            "gratuit",
        ),
        (
            "Accès aux droits",
            "Information et aide pour constituer les dossiers d'aides sociales.",
            "accompagnement",
            ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
            ["tous-publics"],
            ["en-presentiel", "a-distance"],
            ["telephoner", "se-presenter"],
            "gratuit",
        ),
    ],
    OrganisationType.SHOP: [
        (
            "Livraison de courses à domicile",
            "Livraison gratuite des courses aux personnes âgées ou malades du quartier, commande par téléphone.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["seniors", "personnes-en-situation-de-handicap"],
            ["a-distance"],
            ["telephoner"],
            "gratuit",
        ),
        (
            "Point relais solidaire",
            "Dépôt et retrait de colis de l'épicerie solidaire pour les personnes qui ne "
            "peuvent pas se déplacer aux heures de distribution.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
    ],
    OrganisationType.SOCIAL_LANDLORD: [
        (
            "Prévention des impayés de loyer",
            "Un conseiller reçoit les locataires en difficulté pour trouver une "
            "solution avant que la dette ne s'installe.",
            "accompagnement",
            ["logement-hebergement--reduire-les-impayes-de-loyer"],
            ["tous-publics"],
            ["en-presentiel", "a-distance"],
            ["telephoner"],
            "gratuit",
        ),
    ],
    OrganisationType.COMPANY: [
        (
            "Transport solidaire",
            "Trajets à tarif réduit vers les rendez-vous médicaux pour les personnes sans voiture.",
            "aide-materielle",
            ["mobilite--mobilite-douce-partagee-collective"],
            ["seniors"],
            ["a-distance"],
            ["telephoner"],
            "payant",
        ),
    ],
    OrganisationType.RESIDENTS_GROUP: [
        (
            "Voisins relais",
            "Un voisin référent par immeuble prend des nouvelles des personnes isolées, surtout "
            "pendant les épisodes de canicule ou de grand froid.",
            "accompagnement",
            ["remobilisation--lien-social"],
            ["seniors"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
        (
            "Bricolage entre voisins",
            "Petits travaux et dépannages rendus entre voisins, sans contrepartie.",
            "aide-materielle",
            ["remobilisation--benevolat-action-citoyenne"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
        ),
    ],
}
OPENING_HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:30",
    "Tu,Th 14:00-18:00",
    "We 14:00-17:00; Sa 10:00-12:00",
    "Mo-Sa 08:00-19:30; Su 08:30-12:30",
    "Mo-Fr 08:30-12:30; PH off",
    "Sa 09:30-12:00",
    "",
]
DESCRIPTIONS = {
    OrganisationType.ASSOCIATION: "Association de bénévoles qui agit pour la solidarité dans le quartier.",
    OrganisationType.MUNICIPAL_SERVICE: "Équipement municipal ouvert à toutes et tous.",
    OrganisationType.CCAS: "Antenne de quartier du centre communal d'action sociale.",
    OrganisationType.SHOP: "Commerce de proximité engagé auprès des habitant·es.",
    OrganisationType.SOCIAL_LANDLORD: "Bailleur social du quartier.",
    OrganisationType.COMPANY: "Entreprise locale partenaire des actions solidaires.",
    OrganisationType.RESIDENTS_GROUP: "Des habitant·es qui s'organisent pour s'entraider.",
}


def _place_word(street: str) -> str:
    """« des Tilleuls » from « Rue des Tilleuls »: the street without its kind."""
    words = street.split(" ", 1)
    return words[1] if len(words) > 1 else street


def _plans() -> list[tuple[str, str]]:
    plans = []
    for kind, count, patterns in ORGANISATION_PLANS:
        plans += [(kind, patterns[index % len(patterns)]) for index in range(count)]
    return plans


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = [status for status, n in STATUS_PLAN.items() for _ in range(n)]
    statuses += [OrganisationStatus.VALIDATED] * max(0, count - len(statuses))
    head, tail = statuses[:1], statuses[1:count]  # the demo partner's organisation (first) is validated
    rng.shuffle(tail)
    return head + tail


def seed_partners_demo(
    rng: random.Random,
    *,
    today: datetime.date,
    addresses,
    quartiers: dict,
    coordinator: User,
) -> dict:
    """Create the demo partners; returns counts for the seed summary (French labels, like seed_demo's)."""
    # Today at 10:00, or now when seeded earlier: the pending changes are not dated after now.
    now = min(timezone.make_aware(datetime.datetime.combine(today, datetime.time(10, 0))), timezone.now())
    organisations, names = [], set()
    plans = _plans()
    statuses = _statuses(rng, len(plans))
    for index, ((kind, pattern), status) in enumerate(zip(plans, statuses, strict=True)):
        address = rng.choice(addresses)
        name = pattern.format(place=_place_word(address.street))
        while name in names:
            address = rng.choice(addresses)
            name = pattern.format(place=_place_word(address.street))
        names.add(name)
        created = now - datetime.timedelta(days=rng.randint(20, 300))
        organisations.append(
            Organisation(
                name=name,
                type=kind,
                description=DESCRIPTIONS[kind],
                status=status,
                phone=f"+331990{PARTNER_PHONE_BASE + index:05d}"[:12],
                email=f"contact{index + 1}@{DEMO_DOMAIN}",
                opening_hours=rng.choice(OPENING_HOURS),
                **address.located_fields(quartiers),
                created_at=created,
                updated_at=created + datetime.timedelta(days=rng.randint(0, 15)),
            )
        )
    Organisation.objects.bulk_create(organisations)

    transitions, contacts, services = [], [], []
    for index, organisation in enumerate(organisations):
        steps = [
            Step(OrganisationStatus.PENDING, at=organisation.created_at, note="Proposée par le formulaire public")
        ]
        if organisation.status != OrganisationStatus.PENDING:
            steps.append(
                Step(
                    OrganisationStatus.VALIDATED,
                    by=coordinator,
                    at=organisation.created_at + datetime.timedelta(days=2),
                )
            )
        if organisation.status == OrganisationStatus.SUSPENDED:
            steps.append(
                Step(OrganisationStatus.SUSPENDED, by=coordinator, at=organisation.updated_at, note="Activité arrêtée")
            )
        transitions += ORGANISATION_WORKFLOW.history(organisation, steps)
        contacts.append(
            OrganisationContact(
                organisation=organisation,
                name=f"Contact n° {index + 1}",
                function=rng.choice(["Président·e", "Coordinateur·rice", "Responsable"]),
                phone=f"+331990{PARTNER_PHONE_BASE + 500 + index:05d}"[:12],
                email=f"referent{index + 1}@{DEMO_DOMAIN}",
            )
        )
        templates = SERVICE_TEMPLATES[organisation.type]
        for template in rng.sample(templates, k=min(len(templates), rng.randint(1, 3))):
            services.append(_service(rng, organisation, template, addresses, quartiers))
    OrganisationTransition.objects.bulk_create(transitions)
    OrganisationContact.objects.bulk_create(contacts)
    Service.objects.bulk_create(services)

    partner = _partner_account(organisations[0], DEMO_PASSWORD, ensure_backup_codes)
    changes = _pending_changes(rng, organisations[0], partner, now)
    return {
        "organisations partenaires": len(organisations),
        "organisations validées": sum(1 for o in organisations if o.status == OrganisationStatus.VALIDATED),
        "services partenaires": len(services),
        "modifications à examiner": changes,
        "comptes partenaires": partner.partner_memberships.count(),
    }


def _service(rng, organisation, template, addresses, quartiers) -> Service:
    name, description, kind, thematiques, publics, accueil, mobilisation, frais = template
    service = Service(
        organisation=organisation,
        name=name,
        description=description,
        type=kind,
        thematiques=sorted(thematiques),
        publics=sorted(publics),
        modes_accueil=sorted(accueil),
        modes_mobilisation=sorted(mobilisation),
        frais=frais,
        frais_precisions="Adhésion annuelle de 5 €" if frais == "payant" else "",
        opening_hours=rng.choice(OPENING_HOURS),
        is_active=rng.random() < 0.92,
        phone=organisation.phone,
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
    )
    if rng.random() < 0.2:  # some services take place elsewhere than at the organisation
        for name, value in rng.choice(addresses).located_fields(quartiers).items():
            setattr(service, name, value)
    return service


def _partner_account(organisation: Organisation, password: str, ensure_backup_codes) -> User:
    user = User(email=PARTNER_EMAIL, first_name="Partenaire", last_name="de démonstration")
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, role=Role.PARTNER)
    ensure_backup_codes(user)
    OrganisationMember.objects.create(organisation=organisation, user=user)
    return user


def _pending_changes(rng, organisation: Organisation, partner: User, now) -> int:
    """Two edits waiting for the coordinator: new opening hours and a new service."""

    def submit(kind: str, target_key: str, hours_ago: int, proposed: dict) -> None:
        PendingChange.objects.create(
            organisation=organisation,
            kind=kind,
            target_key=target_key,
            submitted_by=partner,
            submitted_at=now - datetime.timedelta(hours=hours_ago),
            proposed=proposed,
        )

    submit(
        ChangeKind.ORGANISATION,
        "organisation",
        hours_ago=5,
        proposed={
            "name": organisation.name,
            "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00",
            "description": organisation.description + " Nouveaux horaires à partir du mois prochain.",
        },
    )
    submit(
        ChangeKind.SERVICE_CREATE,
        "new:demo",
        hours_ago=2,
        proposed={
            "name": "Collecte solidaire du samedi",
            "description": "Collecte de denrées devant les commerces du quartier, un samedi par mois.",
            "type": "aide-materielle",
            "thematiques": ["equipement-et-alimentation--alimentation"],
            "publics": ["tous-publics"],
            "modes_accueil": ["en-presentiel"],
            "modes_mobilisation": ["se-presenter"],
            "frais": "gratuit",
            "is_active": True,
            "opening_hours": "Sa 09:30-12:00",
        },
    )
    return 2
