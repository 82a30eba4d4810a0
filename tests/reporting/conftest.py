import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    QuartierFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
)
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.needs.models import SignupStatus
from villesolidaire.volunteers.enums import Status


def at(day: str, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A local (Europe/Paris) time, so month boundaries are the town's, not UTC's."""
    date = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))


@pytest.fixture
def known_data():
    """5 volunteers (1 paused, 1 withdrawn and anonymised), 3 residents in 2 quartiers,
    4 supports, 8 missions (4 done, 2 planned, 1 missed, 1 cancelled) over January and
    February 2025 in two categories; two one-off needs whose shifts count 7.5 hours over
    3 participations (one absence and one waiting-list sign-up do not count)."""
    courses = HelpCategory.objects.get(slug="courses")
    demarches = HelpCategory.objects.get(slug="demarches")
    nord = QuartierFactory(name="Nord", code="nord")
    sud = QuartierFactory(name="Sud", code="sud")

    v1 = VolunteerFactory(active=True, quartier=nord, created_at=at("2025-01-05"), categories=[courses, demarches])
    v2 = VolunteerFactory(active=True, quartier=nord, created_at=at("2025-01-31", 23, 30), categories=[courses])
    v3 = VolunteerFactory(active=True, quartier=sud, created_at=at("2025-02-03"), categories=[demarches])
    VolunteerFactory(status=Status.PAUSED, quartier=sud, created_at=at("2025-02-04"), categories=[courses])
    VolunteerFactory(
        status=Status.WITHDRAWN,
        quartier=None,
        first_name="Anonyme",
        last_name="Anonyme",
        email="",
        is_located=False,
        latitude=None,
        longitude=None,
        created_at=at("2025-02-20"),
        anonymised_at=at("2025-03-01"),
    )

    r1 = ResidentFactory(quartier=nord)
    r2 = ResidentFactory(quartier=nord)
    r3 = ResidentFactory(quartier=sud)
    s1 = SupportFactory(
        help_request=HelpRequestFactory(resident=r1, category=courses, created_at=at("2025-01-08")),
        volunteer=v1,
        started_at=at("2025-01-10"),
    )
    s2 = SupportFactory(
        help_request=HelpRequestFactory(resident=r2, category=demarches, created_at=at("2025-01-18")),
        volunteer=v1,
        started_at=at("2025-01-20"),
    )
    s3 = SupportFactory(
        help_request=HelpRequestFactory(resident=r3, category=courses, created_at=at("2025-02-03")),
        volunteer=v2,
        started_at=at("2025-02-05"),
    )
    s4 = SupportFactory(
        help_request=HelpRequestFactory(resident=r3, category=demarches, created_at=at("2025-02-08")),
        volunteer=v3,
        started_at=at("2025-02-10"),
    )

    done = MissionStatus.DONE
    MissionFactory(support=s1, scheduled_at=at("2025-01-12"), status=done, duration_minutes=60)
    # 00:30 in Paris on 1 February is still 31 January in UTC: it must count in February.
    MissionFactory(support=s1, scheduled_at=at("2025-02-01", 0, 30), status=done, duration_minutes=90)
    MissionFactory(support=s1, scheduled_at=at("2025-02-20"), status=MissionStatus.PLANNED)
    MissionFactory(support=s2, scheduled_at=at("2025-01-25"), status=done, duration_minutes=45)
    MissionFactory(support=s2, scheduled_at=at("2025-02-01"), status=MissionStatus.MISSED)
    MissionFactory(support=s3, scheduled_at=at("2025-02-08"), status=done, duration_minutes=120)
    MissionFactory(support=s4, scheduled_at=at("2025-02-12"), status=MissionStatus.CANCELLED)
    MissionFactory(support=s4, scheduled_at=at("2025-02-28"), status=MissionStatus.PLANNED)

    # Shifts: the need's quartier and category, the shift's month.
    sorting = NeedFactory(quartier=nord, category=courses)
    january_shift = ShiftFactory(need=sorting, starts_at=at("2025-01-18", 10), ends_at=at("2025-01-18", 13))
    SignupFactory(shift=january_shift, volunteer=v1, attended=True, hours=Decimal("3"))
    SignupFactory(shift=january_shift, volunteer=v2, attended=True, hours=Decimal("2.5"))
    SignupFactory(shift=january_shift, volunteer=v3, attended=False)
    party = NeedFactory(quartier=sud)
    # 22:00 on 28 February in Paris: February, whatever the UTC offset.
    february_shift = ShiftFactory(need=party, starts_at=at("2025-02-28", 22), ends_at=at("2025-02-28", 23, 59))
    SignupFactory(shift=february_shift, volunteer=v1, attended=True, hours=Decimal("2"))
    SignupFactory(shift=february_shift, volunteer=v3, status=SignupStatus.WAITING)
    return {"courses": courses, "demarches": demarches, "nord": nord, "sud": sud}
