"""Demo town, partners: about forty fictitious organisations and their services.

Called by `seed_demo` with the invented town's addresses and quartiers. Names are built from
generic words and the invented street names: no real organisation or person is described.
Phone numbers come from the range ARCEP reserves for fiction (01 99 00 …) and e-mail
addresses end in ".invalid" (the open-data export leaves those out: the schema refuses them).
"""

import datetime
import random
from typing import NamedTuple

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

USERS = ["usagers"]
BOTH = ["professionnels", "usagers"]


class ServiceTemplate(NamedTuple):
    name: str
    # 200 characters at least: data·inclusion's quality score finds shorter ones too short.
    description: str
    type: str
    thematiques: list[str]
    publics: list[str]
    modes_accueil: list[str]
    modes_mobilisation: list[str]
    frais: str
    mobilisable_par: list[str]
    frais_precisions: str = ""


SERVICE_TEMPLATES = {
    OrganisationType.ASSOCIATION: [
        ServiceTemplate(
            "Distribution alimentaire",
            "Colis alimentaires chaque semaine pour les foyers aux revenus modestes, sur "
            "orientation d'un travailleur social ou après un premier rendez-vous. Les bénévoles "
            "accueillent sans jugement, proposent un café et orientent vers les autres aides du quartier.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["beneficiaires-des-minimas-sociaux", "familles"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
            BOTH,
        ),
        ServiceTemplate(
            "Vestiaire solidaire",
            "Vêtements et chaussures pour toute la famille, à petit prix ou gratuits selon la situation. "
            "Les dons sont triés par des bénévoles ; on peut venir essayer sur place, sans rendez-vous, "
            "et déposer ce qui ne sert plus aux heures d'ouverture.",
            "aide-materielle",
            ["equipement-et-alimentation--habillement"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "payant",
            USERS,
            "Adhésion annuelle de 5 € ; vêtements gratuits sur orientation d'un travailleur social.",
        ),
        ServiceTemplate(
            "Appels et visites de convivialité",
            "Des bénévoles appellent ou rendent visite chaque semaine aux personnes âgées isolées qui le "
            "souhaitent. Un premier appel permet de faire connaissance et de choisir le rythme ; un proche "
            "ou un professionnel peut aussi faire la demande.",
            "accompagnement",
            ["remobilisation--lien-social"],
            ["seniors"],
            ["a-distance", "en-presentiel"],
            ["telephoner"],
            "gratuit",
            BOTH,
        ),
        ServiceTemplate(
            "Aide aux devoirs",
            "Accompagnement scolaire des enfants du primaire et du collège, deux soirs par semaine. "
            "Des bénévoles aident à faire les devoirs, à s'organiser et à reprendre confiance ; les "
            "parents sont invités à un échange avec l'équipe à chaque fin de trimestre.",
            "accompagnement",
            ["famille--soutien-a-la-parentalite-et-a-leducation"],
            ["familles", "jeunes"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
        ServiceTemplate(
            "Réparation de vélos",
            "Atelier participatif : apprenez à réparer votre vélo avec des bénévoles, outils et "
            "pièces d'occasion sur place. Crevaison, freins, dérailleur : on vous montre comment faire "
            "plutôt que de le faire à votre place, et des vélos remis en état sont proposés à petit prix.",
            "atelier",
            ["mobilite--mobilite-douce-partagee-collective"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
        ServiceTemplate(
            "Café des aidants",
            "Un temps d'échange mensuel entre personnes qui accompagnent un proche malade, âgé ou "
            "en situation de handicap. Chaque séance part d'un thème (fatigue, relais, démarches) et est "
            "animée par un professionnel ; on peut venir une fois, sans inscription.",
            "atelier",
            ["famille--soutien-aidants"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
            USERS,
        ),
    ],
    OrganisationType.MUNICIPAL_SERVICE: [
        ServiceTemplate(
            "Accompagnement aux démarches en ligne",
            "Un conseiller numérique aide à créer une adresse e-mail, à "
            "déclarer ses revenus ou à prendre un rendez-vous médical en ligne. Il explique chaque étape "
            "pour que vous puissiez la refaire seul la fois suivante ; un ordinateur et une imprimante "
            "sont à disposition.",
            "accompagnement",
            ["numerique--acceder-a-des-services-en-ligne"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
            BOTH,
        ),
        ServiceTemplate(
            "Salle rafraîchie en cas de canicule",
            "Pendant les alertes canicule, une salle climatisée est ouverte au public avec de l'eau fraîche. "
            "Des agents et des volontaires y accueillent les personnes âgées et les familles avec de jeunes "
            "enfants ; un transport peut être organisé pour celles qui ne peuvent pas venir seules.",
            "aide-materielle",
            ["sante--acces-aux-soins"],
            ["familles", "seniors"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
        ServiceTemplate(
            "Ateliers de lien social",
            "Jeux, lecture, sorties : des après-midi pour se retrouver entre habitant·es. Le programme "
            "est construit avec les participants chaque trimestre ; les ateliers sont ouverts à toutes et "
            "tous, on peut venir seul ou accompagné, une fois ou chaque semaine.",
            "atelier",
            ["remobilisation--activites-sportives-et-culturelles", "remobilisation--lien-social"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
    ],
    OrganisationType.CCAS: [
        ServiceTemplate(
            "Aide alimentaire d'urgence",
            "Bons alimentaires d'urgence après un entretien avec un travailleur social. L'entretien a lieu "
            "dans la semaine, au CCAS ou par téléphone ; il permet aussi de vérifier les droits ouverts et "
            "d'orienter vers une épicerie solidaire du quartier.",
            "aide-financiere",
            ["equipement-et-alimentation--alimentation"],
            ["personnes-en-situation-durgence"],
            ["en-presentiel"],
            ["telephoner"],
            "gratuit",
            BOTH,
        ),
        ServiceTemplate(
            "Accès aux droits",
            "Information et aide pour constituer les dossiers d'aides sociales : RSA, prime d'activité, "
            "aides au logement, complémentaire santé solidaire, aide personnalisée d'autonomie. Un "
            "travailleur social vérifie les pièces et suit la demande jusqu'à la réponse.",
            "accompagnement",
            ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
            ["tous-publics"],
            ["a-distance", "en-presentiel"],
            ["se-presenter", "telephoner"],
            "gratuit",
            BOTH,
        ),
    ],
    OrganisationType.SHOP: [
        ServiceTemplate(
            "Livraison de courses à domicile",
            "Livraison gratuite des courses aux personnes âgées ou malades du quartier, commande par téléphone. "
            "La liste est prise la veille, les courses sont apportées le lendemain matin et payées à la "
            "livraison ; un voisin ou un aidant peut commander pour la personne.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["personnes-en-situation-de-handicap", "seniors"],
            ["a-distance"],
            ["telephoner"],
            "gratuit",
            USERS,
        ),
        ServiceTemplate(
            "Point relais solidaire",
            "Dépôt et retrait de colis de l'épicerie solidaire pour les personnes qui ne "
            "peuvent pas se déplacer aux heures de distribution. Le colis est gardé trois jours au "
            "comptoir ; il suffit de donner son nom, sans justificatif ni rendez-vous.",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
    ],
    OrganisationType.SOCIAL_LANDLORD: [
        ServiceTemplate(
            "Prévention des impayés de loyer",
            "Un conseiller reçoit les locataires en difficulté pour trouver une "
            "solution avant que la dette ne s'installe : échéancier, aides du fonds de solidarité pour le "
            "logement, recalcul des aides au logement. Mieux vaut appeler dès le premier retard.",
            "accompagnement",
            ["logement-hebergement--reduire-les-impayes-de-loyer"],
            ["tous-publics"],
            ["a-distance", "en-presentiel"],
            ["telephoner"],
            "gratuit",
            BOTH,
        ),
    ],
    OrganisationType.COMPANY: [
        ServiceTemplate(
            "Transport solidaire",
            "Trajets à tarif réduit vers les rendez-vous médicaux pour les personnes sans voiture. "
            "La réservation se fait par téléphone au moins deux jours avant ; le chauffeur attend pendant "
            "le rendez-vous et raccompagne la personne jusqu'à sa porte.",
            "aide-materielle",
            ["mobilite--mobilite-douce-partagee-collective"],
            ["seniors"],
            ["a-distance"],
            ["telephoner"],
            "payant",
            BOTH,
            "2 € le trajet dans la commune, gratuit pour les bénéficiaires de la complémentaire santé solidaire.",
        ),
    ],
    OrganisationType.RESIDENTS_GROUP: [
        ServiceTemplate(
            "Voisins relais",
            "Un voisin référent par immeuble prend des nouvelles des personnes isolées, surtout "
            "pendant les épisodes de canicule ou de grand froid. Il passe une fois par semaine, signale "
            "au CCAS ce qui l'inquiète et peut rendre de petits services comme le courrier ou le pain.",
            "accompagnement",
            ["remobilisation--lien-social"],
            ["seniors"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
        ),
        ServiceTemplate(
            "Bricolage entre voisins",
            "Petits travaux et dépannages rendus entre voisins, sans contrepartie : fixer une étagère, "
            "changer une ampoule, monter un meuble. Les outils sont prêtés par le collectif ; on se "
            "retrouve le samedi matin au local pour organiser les coups de main de la semaine.",
            "aide-materielle",
            ["remobilisation--benevolat-action-citoyenne"],
            ["tous-publics"],
            ["en-presentiel"],
            ["se-presenter"],
            "gratuit",
            USERS,
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
            service = _service(rng, organisation, template, addresses, quartiers)
            service.updated_at = _service_updated_at(organisation, now, index=len(services))
            services.append(service)
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


def _service_updated_at(organisation: Organisation, now: datetime.datetime, *, index: int) -> datetime.datetime:
    """Most services were reviewed in the last five months (data·inclusion's quality score counts a
    date under six months as recent); one in eight was left as it was when its entry was made.
    Computed from the position, not drawn: the demo's random sequence stays the same."""
    if index % 8 == 7:
        return organisation.updated_at
    return max(organisation.created_at, now - datetime.timedelta(days=3 + (index * 37) % 150))


def _service(rng, organisation, template: ServiceTemplate, addresses, quartiers) -> Service:
    service = Service(
        organisation=organisation,
        name=template.name,
        description=template.description,
        type=template.type,
        thematiques=sorted(template.thematiques),
        publics=sorted(template.publics),
        modes_accueil=sorted(template.modes_accueil),
        modes_mobilisation=sorted(template.modes_mobilisation),
        mobilisable_par=sorted(template.mobilisable_par),
        frais=template.frais,
        frais_precisions=template.frais_precisions,
        opening_hours=rng.choice(OPENING_HOURS),
        is_active=rng.random() < 0.92,
        phone=organisation.phone,
        created_at=organisation.created_at,
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
