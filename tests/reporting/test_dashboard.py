import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    QuartierFactory,
    ResidentFactory,
    SupportFactory,
    TownFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.needs.models import SignupStatus
from villesolidaire.reporting.selectors import (
    FIGURE_COUNTS,
    NO_QUARTIER,
    Period,
    Tally,
    category_breakdown,
    count_missions_done,
    count_mobilised,
    count_requests,
    count_shift_hours,
    count_supports,
    count_volunteer_categories,
    count_volunteer_signups,
    dashboard,
    month_breakdown,
    quartier_breakdown,
)
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer

FIGURE_ORDER = [
    "registered",
    "active",
    "mobilised",
    "missions_done",
    "residents_helped",
    "supports",
    "requests",
    "mission_hours",
    "shift_hours",
    "participations",
]
DASHBOARD_QUERIES = 12


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
        help_request=HelpRequestFactory(resident=r1, category=courses, created_at=at("2025-01-08")), volunteer=v1, started_at=at("2025-01-10")
    )
    s2 = SupportFactory(
        help_request=HelpRequestFactory(resident=r2, category=demarches, created_at=at("2025-01-18")), volunteer=v1, started_at=at("2025-01-20")
    )
    s3 = SupportFactory(
        help_request=HelpRequestFactory(resident=r3, category=courses, created_at=at("2025-02-03")), volunteer=v2, started_at=at("2025-02-05")
    )
    s4 = SupportFactory(
        help_request=HelpRequestFactory(resident=r3, category=demarches, created_at=at("2025-02-08")), volunteer=v3, started_at=at("2025-02-10")
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


def figures(row) -> list[int | float]:
    return [row.get(code) for code in FIGURE_ORDER]


def by_label(rows) -> dict:
    return {row.label: figures(row) for row in rows}


def test_headline_figures(known_data):
    board = dashboard()
    assert board.totals == {
        "registered": 5,
        "active": 3,
        "mobilised": 2,
        "missions_done": 4,
        "residents_helped": 3,
        "supports": 4,
        "requests": 4,
        "mission_hours": 5.25,
        "shift_hours": 7.5,
        "participations": 3,
    }


def test_breakdown_by_category(known_data):
    rows = by_label(dashboard().by_category)
    # Volunteers: the categories they accept. Others: the request's (or the need's) category.
    assert rows["Courses, médicaments, livres"] == [3, 2, 2, 3, 2, 2, 2, 4.5, 5.5, 2]
    # r3 asked twice (courses, then démarches): she counts in both categories she asked in.
    assert rows["Démarches administratives"] == [2, 2, 1, 1, 2, 2, 2, 0.75, 0, 0]
    # Every reference category is listed, with zeros when nothing happened.
    assert len(rows) == HelpCategory.objects.count() == 10
    assert rows["Promenade"] == [0] * 10


def test_breakdown_by_quartier(known_data):
    rows = by_label(dashboard().by_quartier)
    # Mobilised volunteers sit in the volunteer's quartier; missions, residents and supports in the
    # resident's; shift hours and participations in the need's.
    assert rows == {
        "Nord": [2, 2, 2, 3, 2, 2, 2, 3.25, 5.5, 2],
        "Sud": [2, 1, 0, 1, 1, 2, 2, 2, 2, 1],
        NO_QUARTIER: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }


def test_breakdown_by_month(known_data):
    rows = dashboard().by_month
    assert [row.key for row in rows] == [datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    assert by_label(rows) == {
        # v2 only attended a shift in January: a partner shift mobilises too.
        "Janvier 2025": [2, 2, 2, 2, 2, 2, 2, 1.75, 5.5, 2],
        # v1 helped in both months: distinct people per month do not add up to the total.
        "Février 2025": [3, 1, 2, 2, 1, 2, 2, 3.5, 2, 1],
    }


def test_period_restricts_every_figure(known_data):
    board = dashboard(Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)))
    assert board.totals == {
        "registered": 3,
        "active": 1,
        "mobilised": 2,
        "missions_done": 2,
        "residents_helped": 1,
        "supports": 2,
        "requests": 2,
        "mission_hours": 3.5,
        "shift_hours": 2,
        "participations": 1,
    }
    assert by_label(board.by_category)["Courses, médicaments, livres"] == [1, 0, 2, 2, 1, 1, 1, 3.5, 0, 0]
    assert [row.label for row in board.by_month] == ["Février 2025"]

    january = dashboard(Period(end=datetime.date(2025, 1, 31)))
    assert january.totals == {
        "registered": 2,
        "active": 2,
        "mobilised": 2,
        "missions_done": 2,
        "residents_helped": 2,
        "supports": 2,
        "requests": 2,
        "mission_hours": 1.75,
        "shift_hours": 5.5,
        "participations": 2,
    }


def test_empty_database_gives_zeros():
    board = dashboard()
    assert set(board.totals.values()) == {0}
    assert board.by_month == []
    assert board.by_quartier == []


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries)


def test_query_count_does_not_grow_with_the_data(known_data):
    assert _count_queries(dashboard) == DASHBOARD_QUERIES
    # Ten times more rows, in new quartiers, categories and months.
    other = HelpCategory.objects.get(slug="promenade")
    for index in range(10):
        quartier = QuartierFactory()
        volunteer = VolunteerFactory(
            active=True, quartier=quartier, categories=[other], created_at=at(f"2024-{index + 1:02d}-03")
        )
        support = SupportFactory(
            help_request=HelpRequestFactory(resident=ResidentFactory(quartier=quartier), category=other),
            volunteer=volunteer,
        )
        MissionFactory.create_batch(
            3, support=support, status=MissionStatus.DONE, scheduled_at=at(f"2024-{index + 1:02d}-10")
        )
        shift = ShiftFactory(
            need=NeedFactory(quartier=quartier, category=other),
            starts_at=at(f"2024-{index + 1:02d}-12"),
            ends_at=at(f"2024-{index + 1:02d}-12", 15),
        )
        SignupFactory(shift=shift, volunteer=volunteer, attended=True, hours=Decimal("3"))
    assert _count_queries(dashboard) == DASHBOARD_QUERIES
    assert dashboard().total("missions_done") == 34
    assert dashboard().total("shift_hours") == 37.5


FIGURE_COUNT_QUERIES = {
    count_volunteer_signups: 1,
    count_volunteer_categories: 1,
    count_missions_done: 1,
    count_mobilised: 2,
    count_requests: 1,
    count_supports: 1,
    count_shift_hours: 1,
}


@pytest.mark.parametrize("period", [Period(), Period(start=datetime.date(2024, 3, 1), end=datetime.date(2024, 3, 31))])
@pytest.mark.parametrize("count", list(FIGURE_COUNT_QUERIES), ids=lambda count: count.__name__)
def test_each_figure_source_runs_a_fixed_number_of_queries(known_data, count, period):
    assert _count_queries(lambda: count(Tally(), period)) == FIGURE_COUNT_QUERIES[count]


def test_each_breakdown_runs_a_fixed_number_of_queries(known_data):
    tally = Tally()
    for count in FIGURE_COUNTS:
        count(tally, Period())
    assert _count_queries(lambda: category_breakdown(tally.by_category)) == 1
    assert _count_queries(lambda: quartier_breakdown(tally.by_quartier)) == 1
    assert _count_queries(lambda: month_breakdown(tally.by_month)) == 0
    # Two breakdown queries, and two for the relays to partners.
    assert sum(FIGURE_COUNT_QUERIES.values()) + 2 + 2 == DASHBOARD_QUERIES
    assert set(FIGURE_COUNTS) == set(FIGURE_COUNT_QUERIES)


def _page(client, **params):
    return client.get(reverse("reporting:dashboard"), params)


def test_dashboard_page_shows_computed_figures(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = _page(client)
    assert response.status_code == 200
    html = response.content.decode()
    for code, value in [
        ("registered", 5),
        ("active", 3),
        ("mobilised", 2),
        ("missions_done", 4),
        ("residents_helped", 3),
        ("supports", 4),
        ("shift_hours", "7,5"),
        ("participations", 3),
    ]:
        assert f'data-figure="{code}">{value}</p>' in html
    assert '<th scope="row">Février 2025</th>' in html
    assert "<svg" in html and 'role="img"' in html
    assert 'style="' not in html and "<script>" not in html
    # The chart shows the chosen figure, bar lengths proportional to it.
    response = _page(client, figure="registered")
    assert "Volontaires inscrit·es par quartier" in response.content.decode()


def test_dashboard_page_query_count_is_constant(client, known_data, django_assert_num_queries):
    login_staff(client, staff_user(Role.COORDINATOR))
    with CaptureQueriesContext(connection) as small:
        _page(client)
    quartier = QuartierFactory()
    for _ in range(5):
        request = HelpRequestFactory(resident=ResidentFactory(quartier=quartier), category=known_data["courses"])
        support = SupportFactory(help_request=request)
        MissionFactory.create_batch(2, support=support, status=MissionStatus.DONE)
    with django_assert_num_queries(len(small)):
        _page(client)


def test_period_filter_on_the_page(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    html = _page(client, start="2025-02-01", end="2025-02-28").content.decode()
    assert 'data-figure="registered">3</p>' in html
    assert "du 1 février 2025 au 28 février 2025" in html


def test_invalid_period_is_explained_in_french(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = _page(client, start="2025-03-01", end="2025-02-01")
    html = response.content.decode()
    assert response.status_code == 200
    assert "La date de fin doit être postérieure ou égale à la date de début." in html
    assert 'data-figure="registered">5</p>' in html  # no filter applied
    response = _page(client, start="pas une date", figure="<script>")
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()


def test_csv_export(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.get(reverse("reporting:export_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tableau-de-bord-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Tableau de bord — période : depuis le début"]
    assert rows[2:12] == [
        ["Chiffres clés"],
        ["Indicateur", "Valeur"],
        ["Volontaires inscrit·es", "5"],
        ["Volontaires actif·ves", "3"],
        ["Volontaires mobilisé·es", "2"],
        ["Missions réalisées", "4"],
        ["Habitant·es aidé·es", "3"],
        ["Soutiens mis en place", "4"],
        ["Heures de bénévolat sur les créneaux", "7,5"],
        ["Participations aux créneaux", "3"],
    ]
    header = [
        "Volontaires inscrit·es",
        "Volontaires actif·ves",
        "Volontaires mobilisé·es",
        "Missions réalisées",
        "Habitant·es aidé·es",
        "Soutiens mis en place",
        "Heures de bénévolat sur les créneaux",
        "Participations aux créneaux",
    ]
    assert ["Catégorie", *header] in rows
    assert ["Courses, médicaments, livres", "3", "2", "2", "3", "2", "2", "5,5", "2"] in rows
    assert ["Quartier", *header] in rows
    assert ["Sud", "2", "1", "0", "1", "1", "2", "2", "1"] in rows
    assert ["Mois", *header] in rows
    assert ["Février 2025", "3", "1", "2", "2", "2", "2", "2", "1"] in rows


def test_exports_first_line_names_the_town_in_xlsx_only(client, known_data):
    TownFactory(name="Bourg-Solidaire")
    login_staff(client, staff_user(Role.COORDINATOR))
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("reporting:export_csv")).content.decode("utf-8-sig")), delimiter=";")
    )
    # The CSV keeps the first line it always had.
    assert rows[0] == ["Tableau de bord — période : depuis le début"]
    workbook = load_workbook(io.BytesIO(client.get(reverse("reporting:export_xlsx")).content))
    assert workbook["Chiffres clés"]["A1"].value == "Bourg-Solidaire — Tableau de bord — période : depuis le début"


@pytest.mark.parametrize(
    "params",
    [{"end": "9999-12-31"}, {"start": "0001-01-01"}, {"start": "31/12/9999"}, {"end": "01/01/0001"}],
)
def test_a_far_date_is_refused_in_french_and_the_page_still_renders(client, known_data, params):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = _page(client, **params)
    html = response.content.decode()
    assert response.status_code == 200
    latest = datetime.date(timezone.localdate().year + 10, 12, 31)
    assert f"Date invalide : choisissez une date entre le 01/01/2000 et le {latest:%d/%m/%Y}." in html
    assert 'data-figure="registered">5</p>' in html  # no filter applied
    for name in ("reporting:export_csv", "reporting:export_xlsx"):
        assert client.get(reverse(name), params).status_code == 200


def test_csv_export_follows_the_period(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.get(reverse("reporting:export_csv"), {"start": "2025-02-01", "end": "2025-02-28"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tableau de bord — période : du 1 février 2025 au 28 février 2025"]
    assert ["Volontaires inscrit·es", "3"] in rows


def test_xlsx_export(client, known_data):
    login_staff(client, staff_user(Role.COORDINATOR))
    response = client.get(reverse("reporting:export_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Chiffres clés", "Par catégorie", "Par quartier", "Par mois"]
    summary = [list(row) for row in workbook["Chiffres clés"].iter_rows(min_row=2, values_only=True)]
    assert summary == [
        ["Indicateur", "Valeur"],
        ["Volontaires inscrit·es", 5],
        ["Volontaires actif·ves", 3],
        ["Volontaires mobilisé·es", 2],
        ["Missions réalisées", 4],
        ["Habitant·es aidé·es", 3],
        ["Soutiens mis en place", 4],
        ["Heures de bénévolat sur les créneaux", 7.5],
        ["Participations aux créneaux", 3],
    ]
    quartiers = [list(row) for row in workbook["Par quartier"].iter_rows(min_row=2, values_only=True)]
    assert quartiers[0][0] == "Quartier"
    assert quartiers[1:] == [
        ["Nord", 2, 2, 2, 3, 2, 2, 5.5, 2],
        ["Sud", 2, 1, 0, 1, 1, 2, 2, 1],
        [NO_QUARTIER, 1, 0, 0, 0, 0, 0, 0, 0],
    ]
    months = [list(row) for row in workbook["Par mois"].iter_rows(min_row=3, values_only=True)]
    assert months == [["Janvier 2025", 2, 2, 1, 2, 2, 2, 5.5, 2], ["Février 2025", 3, 1, 2, 2, 2, 2, 2, 1]]


@pytest.mark.parametrize("name", ["reporting:dashboard", "reporting:export_csv", "reporting:export_xlsx"])
def test_operator_without_coordinator_role_gets_404(client, name):
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ["reporting:dashboard", "reporting:export_csv"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_coordinator_must_pass_the_second_factor(client):
    client.force_login(staff_user(Role.COORDINATOR))
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp"))


def test_volunteer_gets_404(client):
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    assert client.get(reverse("reporting:dashboard")).status_code == 404


def test_active_reads_the_status_history_as_it_stood_at_the_end_of_the_period(known_data):
    """Closing the dispositif (active volunteers moved to the reserve) must not change a past bilan,
    and a volunteer validated after the period was not active during it."""
    from villesolidaire.volunteers.enums import WORKFLOW

    february = Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    assert dashboard(february).total("active") == 1
    coordinator = staff_user(Role.COORDINATOR)
    for volunteer in Volunteer.objects.filter(status=Status.ACTIVE):
        WORKFLOW.apply(volunteer, Status.RESERVE, by=coordinator, at=at("2025-06-30"))
    late = VolunteerFactory(status=Status.REGISTERED, created_at=at("2025-02-10"))
    WORKFLOW.apply(late, Status.ACTIVE, by=coordinator, at=at("2025-03-02"))

    assert dashboard(february).total("active") == 1
    assert dashboard(Period(end=datetime.date(2025, 2, 28))).total("active") == 3
    # Read today, nobody from those months is active any more but the late one.
    assert dashboard().total("active") == 1
    assert by_label(dashboard(february).by_quartier)["Sud"][:2] == [2, 1]
    courses = by_label(dashboard(Period(end=datetime.date(2025, 2, 28))).by_category)["Courses, médicaments, livres"]
    assert courses[:2] == [3, 2]
