"""Demo one-off needs: a food-bank sorting day, a collection, the Fête des voisins, a river-bank
clean-up ("Agir ensemble") and a draft; past shifts with attendance and hours, upcoming ones
with sign-ups, a full shift with its waiting list, volunteers already told.

Rows are written directly (no message leaves). Call it after the partners and trainings demo
data: needs are posted by validated organisations when there are some, else by the town.
"""

import datetime
import random

from django.utils import timezone

from villesolidaire.core.workflow import Step
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.needs.models import (
    NEED_WORKFLOW,
    ApiDomain,
    Need,
    NeedInvitation,
    NeedStatus,
    NeedTransition,
    Remote,
    Shift,
    ShiftSignup,
    SignupStatus,
)
from villesolidaire.partners.models import Organisation
from villesolidaire.territory.geocoding import quartier_for
from villesolidaire.territory.models import Town
from villesolidaire.volunteers.enums import Status as VolunteerStatus
from villesolidaire.volunteers.models import Volunteer


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _place_of(organisation: Organisation | None, town: Town | None, street: str) -> dict:
    """The organisation's own address when it has one, else a street near the town centre."""
    if organisation is not None and organisation.address:
        return {
            "address": organisation.address,
            "postcode": organisation.postcode,
            "city": organisation.city,
            "latitude": organisation.latitude,
            "longitude": organisation.longitude,
            "is_located": organisation.is_located,
            "quartier": organisation.quartier,
        }
    place = {"address": street, "city": town.name if town else ""}
    if town and town.centre_latitude is not None:
        place |= {
            "latitude": town.centre_latitude,
            "longitude": town.centre_longitude,
            "is_located": True,
            "quartier": quartier_for(town.centre_latitude, town.centre_longitude),
        }
    return place


def _need(*, organisation, town, street, status, coordinator, created, **fields) -> Need:
    """A need and its status history; `fields` are the Need's own (title, description, …)."""
    need = Need.objects.create(
        organisation=organisation,
        status=status,
        created_by=coordinator,
        created_at=created,
        updated_at=created,
        published_at=created if status != NeedStatus.DRAFT else None,
        **_place_of(organisation, town, street),
        **fields,
    )
    steps = [Step(NeedStatus.DRAFT, by=coordinator, at=created, note="Création")]
    if status != NeedStatus.DRAFT:
        steps.append(Step(NeedStatus.PUBLISHED, by=coordinator, at=created))
    if status == NeedStatus.CLOSED:
        steps.append(Step(NeedStatus.CLOSED, by=coordinator, at=created + datetime.timedelta(days=20)))
    NeedTransition.objects.bulk_create(NEED_WORKFLOW.history(need, steps))
    return need


def _shift(need: Need, day: datetime.date, starts: datetime.time, ends: datetime.time, places: int) -> Shift:
    return Shift.objects.create(
        need=need,
        starts_at=_at(day, starts.hour, starts.minute),
        ends_at=_at(day, ends.hour, ends.minute),
        places=places,
    )


def _signups(shift: Shift, volunteers, status: str, *, coordinator, attended=None) -> list[ShiftSignup]:
    # Five days before the shift, but never in the future: a sign-up made now must queue after these.
    created = min(shift.starts_at - datetime.timedelta(days=5), timezone.now() - datetime.timedelta(days=1))
    rows = []
    for offset, volunteer in enumerate(volunteers):
        at = created + datetime.timedelta(minutes=17 * offset)
        row = ShiftSignup(shift=shift, volunteer=volunteer, status=status, created_at=at)
        if status == SignupStatus.CONFIRMED:
            row.confirmed_at, row.confirmed_by = at + datetime.timedelta(hours=3), coordinator
        if attended is not None:
            row.attended = attended(volunteer)
            row.hours = shift.duration_hours if row.attended else None
            row.attendance_recorded_at, row.attendance_recorded_by = (
                shift.ends_at + datetime.timedelta(hours=2),
                coordinator,
            )
        rows.append(row)
    return ShiftSignup.objects.bulk_create(rows)


def seed_needs_demo(rng: random.Random, *, today: datetime.date, coordinator) -> dict:
    town = Town.current()
    organisations = list(Organisation.objects.validated().order_by("pk"))
    posters = [rng.choice(organisations) if organisations else None for _ in range(3)]
    # The demo partner account's organisation posts the first need, so its space is not empty.
    with_account = Organisation.objects.validated().filter(members__isnull=False).order_by("pk").first()
    if with_account is not None:
        posters[0] = with_account
    active = list(Volunteer.objects.filter(status=VolunteerStatus.ACTIVE).order_by("pk"))
    rng.shuffle(active)
    pool = iter(active)

    def take(count: int) -> list[Volunteer]:
        return [volunteer for _, volunteer in zip(range(count), pool, strict=False)]

    def need(*, days_ago: int, hour: int, **fields) -> Need:
        """A need of the town created `days_ago` days ago at `hour` by the coordinator."""
        created = _at(today - datetime.timedelta(days=days_ago), hour)
        return _need(town=town, coordinator=coordinator, created=created, **fields)

    def sign_up(shift: Shift, count: int, status: str, attended=None) -> list[ShiftSignup]:
        """`count` volunteers not yet taken, signed up by the coordinator; `attended` for a past shift."""
        return _signups(shift, take(count), status, coordinator=coordinator, attended=attended)

    food = HelpCategory.objects.filter(slug="courses").first()
    sorting = need(
        title="Tri à la banque alimentaire",
        organisation=posters[0],
        street="Entrepôt, 4 rue des Halles",
        description="Trier et ranger les denrées de la collecte, préparer les colis de la semaine. Tenue confortable.",
        status=NeedStatus.PUBLISHED,
        days_ago=30,
        hour=10,
        category=food,
        domain="solidarity",
        api_domain=ApiDomain.SOLIDARITE,
        schedule="une matinée",
        reduced_mobility_accessible=True,
    )
    morning = datetime.time(9), datetime.time(12)
    past_sorting = _shift(sorting, today - datetime.timedelta(days=20), *morning, places=6)
    next_sorting = _shift(sorting, today + datetime.timedelta(days=6), *morning, places=4)
    sign_up(past_sorting, 5, SignupStatus.CONFIRMED, attended=lambda v: rng.random() < 0.85)
    sign_up(next_sorting, 2, SignupStatus.CONFIRMED)
    sign_up(next_sorting, 2, SignupStatus.PENDING)
    sign_up(next_sorting, 2, SignupStatus.WAITING)

    collection = need(
        title="Collecte nationale : accueil des donateurs",
        organisation=posters[1],
        street="Supermarché, avenue de la Gare",
        status=NeedStatus.PUBLISHED,
        days_ago=8,
        hour=11,
        domain="solidarity",
        api_domain=ApiDomain.SOLIDARITE,
        description="Présenter la collecte à l'entrée du magasin, remettre les sacs, porter les dons au stand.",
        schedule="deux heures",
        open_to_minors=True,
    )
    friday = today + datetime.timedelta(days=13)
    collection_shifts = [
        _shift(collection, friday, datetime.time(14), datetime.time(16), places=5),
        _shift(collection, friday, datetime.time(16), datetime.time(18, 30), places=5),
    ]
    collection_signups = sign_up(collection_shifts[0], 3, SignupStatus.PENDING)
    collection_signups += sign_up(collection_shifts[1], 1, SignupStatus.CONFIRMED)
    told = take(12)
    NeedInvitation.objects.bulk_create(
        [
            NeedInvitation(
                need=collection, volunteer=volunteer, sent_at=collection.created_at + datetime.timedelta(hours=1)
            )
            for volunteer in told + [s.volunteer for s in collection_signups]
        ]
    )

    party = need(
        title="Fête des voisins : installer et animer",
        organisation=None,
        street="Square de la Mairie",
        status=NeedStatus.PUBLISHED,
        days_ago=3,
        hour=15,
        domain="events",
        api_domain=ApiDomain.VIVRE_ENSEMBLE,
        description="Monter les tables, accueillir les habitant·es, tenir le stand de jeux pour les enfants.",
    )
    party_day = today + datetime.timedelta(days=25)
    party_shift = _shift(party, party_day, datetime.time(18), datetime.time(22), places=10)
    sign_up(party_shift, 3, SignupStatus.CONFIRMED)

    clean_up = need(
        title="Agir ensemble : nettoyage des berges",
        organisation=posters[2],
        street="Quai de la Rivière",
        status=NeedStatus.CLOSED,
        days_ago=70,
        hour=9,
        domain="eco",
        api_domain=ApiDomain.ENVIRONNEMENT,
        remote=Remote.NO,
        description="Ramasser les déchets le long des berges avec gants et pinces fournis.",
    )
    clean_up_day = today - datetime.timedelta(days=45)
    clean_up_shift = _shift(clean_up, clean_up_day, datetime.time(9), datetime.time(12, 30), places=15)
    sign_up(clean_up_shift, 8, SignupStatus.CONFIRMED, attended=lambda v: rng.random() < 0.9)

    need(
        title="Aide aux devoirs : après-midi portes ouvertes",
        organisation=posters[0],
        street="Médiathèque",
        status=NeedStatus.DRAFT,
        days_ago=1,
        hour=17,
        domain="solidarity",
        api_domain=ApiDomain.EDUCATION,
        description="Présenter l'aide aux devoirs aux familles, inscrire les enfants.",
    )

    # Counted from the database (the demo builds on an empty table): labels as in seed_demo's summary.
    signups = ShiftSignup.objects.all()
    attended = signups.filter(attended=True)
    return {
        "besoins ponctuels": Need.objects.count(),
        "besoins publiés": Need.objects.filter(status=NeedStatus.PUBLISHED).count(),
        "besoins en brouillon": Need.objects.filter(status=NeedStatus.DRAFT).count(),
        "besoins postés par des partenaires": Need.objects.exclude(organisation=None).count(),
        "créneaux": Shift.objects.count(),
        "inscriptions aux créneaux": signups.count(),
        "inscriptions en liste d'attente": signups.filter(status=SignupStatus.WAITING).count(),
        "volontaires prévenu·es": NeedInvitation.objects.count(),
        "participations": attended.count(),
        "heures de bénévolat sur les créneaux": float(sum(signup.hours for signup in attended)),
    }
