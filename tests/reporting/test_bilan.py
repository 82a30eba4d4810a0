import csv
import datetime
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

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
from tests.reporting.conftest import at
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import WORKFLOW as REQUEST_WORKFLOW
from villesolidaire.help_requests.enums import Channel, ClosureReason
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.reporting.activity import request_figures
from villesolidaire.reporting.bilan import build_bilan, custom_period, preset_periods, year_period
from villesolidaire.reporting.forms import BilanForm
from villesolidaire.reporting.models import BilanIntroduction
from villesolidaire.reporting.selectors import Period

YEAR_2025 = {"period": "dates", "start": "2025-01-01", "end": "2025-12-31"}


def _page(client, **params):
    return client.get(reverse("reporting:dashboard"), params)


@pytest.fixture
def coordinator_client(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    return client


@pytest.fixture
def year_earlier_data(known_data):
    """In 2024: two volunteers sign up (one active), one resident asks once, one mission done."""
    VolunteerFactory(active=True, quartier=known_data["nord"], created_at=at("2024-02-10"))
    VolunteerFactory(status="withdrawn", quartier=known_data["sud"], created_at=at("2024-03-10"))
    support = SupportFactory(
        help_request=HelpRequestFactory(category=known_data["courses"], created_at=at("2024-02-01")),
        started_at=at("2024-02-03"),
    )
    MissionFactory(support=support, scheduled_at=at("2024-02-05"), status=MissionStatus.DONE, duration_minutes=30)
    return known_data


def test_bilan_page_shows_the_period_and_the_year_before(coordinator_client, year_earlier_data):
    html = _page(coordinator_client, compare="on", **YEAR_2025).content.decode()
    for code, value in [
        ("registered", 5),
        ("active", 3),
        ("mobilised", 2),
        ("missions_done", 4),
        ("residents_helped", 3),
        ("supports", 4),
    ]:
        assert f'data-figure="{code}">{value}</p>' in html
    # 2024 beside 2025: 2 registered then 5 now.
    assert 'data-value="registered">5</td>' in html and 'data-previous="registered">2</td>' in html
    assert "en hausse de 150 %" in html
    assert 'data-previous="missions_done">1</td>' in html
    assert "Un an plus tôt : 2 (en hausse de 150 %)" in html
    # Definitions are next to the figures and listed at the end.
    assert "historique des statuts" in html
    assert "<polyline" in html and 'role="img"' in html
    assert '<th scope="row">Février 2025</th>' in html and '<th scope="row">Décembre 2025</th>' in html
    assert 'style="' not in html and "<script>" not in html


def test_without_comparison_there_is_no_year_earlier_column(coordinator_client, known_data):
    html = _page(coordinator_client, **YEAR_2025).content.decode()
    assert 'data-figure="registered">5</p>' in html
    assert "data-previous" not in html


def test_default_bilan_is_this_year_compared(coordinator_client, known_data):
    response = _page(coordinator_client)
    assert response.status_code == 200
    assert response.context["chosen"].key == f"annee-{timezone.localdate().year}"
    assert response.context["previous_period"] is not None
    assert response.context["rendered"].computed_at is not None  # the kept copy (decision 0019)


def test_presets_offer_years_months_episodes_and_calls():
    groups = dict(preset_periods(datetime.date(2026, 3, 15)))
    assert [p.key for p in groups["Années"]][:2] == ["annee-2026", "annee-2025"]
    assert groups["Mois"][0].period == Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert groups["Mois"][1].period == Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    form = BilanForm({"period": "annee-2025"}, today=datetime.date(2026, 3, 15))
    assert form.chosen() == year_period(2025)
    assert Period(datetime.date(2024, 2, 29), datetime.date(2024, 3, 1)).year_earlier() == Period(
        datetime.date(2023, 2, 28), datetime.date(2023, 3, 1)
    )
    # A period running to today is compared with the same days one year earlier, not with an
    # open period that would hold it.
    assert Period(datetime.date(2026, 1, 1)).year_earlier(datetime.date(2026, 12, 6)) == Period(
        datetime.date(2025, 1, 1), datetime.date(2025, 12, 6)
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "annee-1850"}, "Cette période n'existe pas"),
        ({"period": "dates"}, "Indiquez au moins une date"),
        ({"period": "dates", "start": "2025-03-01", "end": "2025-02-01"}, "La date de fin doit être postérieure"),
        ({"start": "pas une date", "figure": "<script>"}, "Saisissez une date valide"),
        ({"period": "dates", "end": "9999-12-31"}, "Indiquez une date entre le 01/01/2000"),
    ],
)
def test_bad_choices_are_explained_in_french_and_the_page_renders(coordinator_client, known_data, params, message):
    response = _page(coordinator_client, **params)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    # No other period's figures and no download link under the message.
    assert "Bilan — période à corriger" in html.unescape(response.content.decode())
    assert "bilan" not in response.context or response.context.get("bilan") is None
    assert reverse("reporting:pdf") not in response.content.decode()
    # A download never gives another period's figures: a 400 that says why, in French.
    for name in ("reporting:export_csv", "reporting:export_xlsx", "reporting:pdf"):
        refused = coordinator_client.get(reverse(name), params)
        assert refused.status_code == 400 and message in html.unescape(refused.content.decode())


def test_request_figures_channels_outcomes_and_first_contact(known_data):
    coordinator = staff_user(Role.COORDINATOR)
    resident = ResidentFactory()
    quick = HelpRequestFactory(resident=resident, channel=Channel.WEB, created_at=at("2025-03-03", 9))
    REQUEST_WORKFLOW.apply(quick, RequestStatus.QUALIFIED, by=coordinator, at=at("2025-03-03", 11))
    slow = HelpRequestFactory(resident=resident, created_at=at("2025-03-04", 9))
    REQUEST_WORKFLOW.apply(
        slow, RequestStatus.CLOSED, by=coordinator, at=at("2025-03-06", 9), closure_reason=ClosureReason.NO_FOLLOW_UP
    )
    late = HelpRequestFactory(created_at=at("2025-03-30", 9))
    # Handled after the period's end: not handled within it, and « nouvelle » at its end.
    REQUEST_WORKFLOW.apply(late, RequestStatus.QUALIFIED, by=coordinator, at=at("2025-04-02", 9))
    # Asked before the period, handled in it: a request of February, not of March.
    earlier = HelpRequestFactory(created_at=at("2025-02-27", 9))
    REQUEST_WORKFLOW.apply(earlier, RequestStatus.QUALIFIED, by=coordinator, at=at("2025-03-02", 9))

    figures = request_figures(Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)))
    assert (figures.count, figures.residents, figures.handled) == (3, 2, 2)
    assert {c.label: c.value for c in figures.by_channel} == {
        "Formulaire en ligne": 1,
        "Numéro unique (appel)": 2,
    }
    assert {c.label: c.value for c in figures.by_outcome} == {
        "Pas encore traitée à la fin de la période": 1,
        "Qualifiée": 1,
        "Clôturée : sans suite": 1,
    }
    assert figures.first_contact_median_hours == 25.0  # median of 2 h and 48 h
    assert figures.first_contact_p90_hours == 48.0
    # Limited to a quartier where nobody asked: nothing handled, no delay.
    elsewhere = request_figures(
        Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31), frozenset({QuartierFactory().pk}))
    )
    assert (elsewhere.handled, elsewhere.first_contact_median_hours) == (0, None)


def test_typed_dates_win_over_the_chosen_year(coordinator_client, known_data):
    response = _page(coordinator_client, period="annee-2025", start="2025-02-01", end="2025-02-28")
    assert response.context["bilan"].period == Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    assert '<option value="dates" selected>' in response.content.decode()


def test_introduction_is_saved_per_period_and_printed(coordinator_client, known_data):
    url = reverse("reporting:save_introduction")
    response = coordinator_client.post(
        url, {"period_key": "annee-2025", "text": "Une année de solidarité.", "query": "period=annee-2025"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?period=annee-2025")
    assert BilanIntroduction.objects.get(period_key="annee-2025").text == "Une année de solidarité."
    bilan = build_bilan(year_period(2025))
    assert bilan.introduction.text == "Une année de solidarité."
    # Unknown key or empty text: nothing stored, a French message.
    for key in ("<script>", "episode-999", "annee-1850"):
        response = coordinator_client.post(url, {"period_key": key, "text": "x"}, follow=True)
        assert "Période inconnue" in response.content.decode()
        assert not BilanIntroduction.objects.filter(period_key=key).exists()
    response = coordinator_client.post(url, {"period_key": "annee-2024", "text": ""}, follow=True)
    assert not BilanIntroduction.objects.filter(period_key="annee-2024").exists()
    assert response.status_code == 200


def test_operator_cannot_save_an_introduction(client):
    login_staff(client, staff_user(Role.OPERATOR))
    response = client.post(reverse("reporting:save_introduction"), {"period_key": "tout", "text": "x"})
    assert response.status_code == 404
    assert not BilanIntroduction.objects.exists()


def test_xlsx_has_one_sheet_per_breakdown(coordinator_client, year_earlier_data):
    TownFactory(name="Bourg-Solidaire")
    response = coordinator_client.get(reverse("reporting:export_xlsx"), {**YEAR_2025, "compare": "on"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Chiffres clés",
        "Par catégorie",
        "Par quartier",
        "Par mois",
        "Évolution par semaine",
        "Demandes par canal",
        "Suite des demandes",
        "Délai de premier contact",
        "Partenaires",
        "Domaines d'engagement",
        "Appels à volontaires",
        "Formations",
        "Réseaux de voisinage",
        "Avis de fin de soutien",
        "Volontaires resté·es",
        "Citations",
        "Questionnaires",
        "Définitions",
    ]
    key = [list(row) for row in workbook["Chiffres clés"].iter_rows(min_row=2, values_only=True)]
    assert key[0][:2] == ["Indicateur", "Du 1er janvier 2025 au 31 décembre 2025"]
    assert key[1] == ["Volontaires inscrit·es", 5, 2, 3, "en hausse de 150 %"]
    assert workbook["Chiffres clés"]["A1"].value.startswith("Bourg-Solidaire — Bilan")
    quartiers = [list(row) for row in workbook["Par quartier"].iter_rows(min_row=3, values_only=True)]
    assert quartiers[0] == ["Nord", 2, 2, 2, 3, 2, 2, 2, 3.25, 5.5, 2]
    definitions = {row[0]: row[1] for row in workbook["Définitions"].iter_rows(min_row=3, values_only=True)}
    assert "d'après l'historique des statuts" in definitions["Volontaires actif·ves"]


def test_csv_export_follows_the_period(coordinator_client, known_data):
    response = coordinator_client.get(
        reverse("reporting:export_csv"), {"period": "dates", "start": "2025-02-01", "end": "2025-02-28"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="bilan-dates-2025-02-01-2025-02-28')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Bilan — Du 1er février 2025 au 28 février 2025 — période : du 1er février 2025 au 28 février 2025"
    ]
    assert ["Volontaires inscrit·es", "3"] in rows
    assert ["Habitant·es aidé·es", "1"] in rows


def test_pdf_has_the_figures_as_text_and_no_name(coordinator_client, year_earlier_data):
    named = VolunteerFactory(first_name="Ludovic", last_name="Testnom", created_at=at("2025-05-05"))
    resident = ResidentFactory(first_name="Germaine", last_name="Testnom")
    SupportFactory(help_request=HelpRequestFactory(resident=resident, created_at=at("2025-05-06")), volunteer=named)
    coordinator_client.post(
        reverse("reporting:save_introduction"), {"period_key": custom_period(*_2025()).key, "text": "Merci à toutes."}
    )
    response = coordinator_client.get(reverse("reporting:pdf"), {**YEAR_2025, "compare": "on"})
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Volontaires inscrit·es 6 2" in text
    assert "Merci à toutes." in text
    assert "Testnom" not in text and "Germaine" not in text and "Ludovic" not in text
    assert reader.metadata.title == "Bilan — Du 1er janvier 2025 au 31 décembre 2025"
    assert [item.title for item in reader.outline][:2] == ["Introduction", "Chiffres clés"]


def _2025():
    return datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def test_bilan_page_query_count_does_not_grow(coordinator_client, known_data, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        _page(coordinator_client, compare="on", **YEAR_2025)
    quartier = QuartierFactory()
    for index in range(6):
        request = HelpRequestFactory(
            resident=ResidentFactory(quartier=quartier), category=known_data["courses"], created_at=at("2025-06-02")
        )
        support = SupportFactory(help_request=request, started_at=at("2025-06-03"))
        MissionFactory.create_batch(
            2, support=support, status=MissionStatus.DONE, scheduled_at=at(f"2025-06-{index + 10}")
        )
        VolunteerFactory(created_at=at(f"2025-07-{index + 10}"))
    with django_assert_max_num_queries(len(small)):
        _page(coordinator_client, compare="on", **YEAR_2025)


@pytest.mark.parametrize(
    "name", ["reporting:dashboard", "reporting:export_csv", "reporting:export_xlsx", "reporting:pdf"]
)
def test_operator_gets_404(client, name):
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse(name)).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reporting:pdf"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_old_dashboard_address_leads_to_the_bilan(coordinator_client):
    response = coordinator_client.get("/gestion/tableau-de-bord/?period=tout")
    assert response.status_code == 302 and response["Location"] == reverse("reporting:dashboard") + "?period=tout"


def test_training_and_neighbour_activity_of_the_period():
    from tests.factories.neighbours import NeighbourFactory, NetworkFactory
    from tests.factories.trainings import (
        SessionRegistrationFactory,
        TrainingModuleFactory,
        TrainingSessionFactory,
        VolunteerTrainingFactory,
    )
    from villesolidaire.neighbours.models import Alert
    from villesolidaire.reporting.activity import neighbour_activity, training_activity
    from villesolidaire.trainings.enums import RegistrationStatus, SessionStatus

    module = TrainingModuleFactory(title="Accueil des volontaires")
    held = TrainingSessionFactory(module=module, status=SessionStatus.HELD, starts_at=at("2025-03-05", 14))
    TrainingSessionFactory(module=module, status=SessionStatus.CANCELLED, starts_at=at("2025-03-12", 14))
    TrainingSessionFactory(module=module, status=SessionStatus.HELD, starts_at=at("2024-03-12", 14))
    SessionRegistrationFactory.create_batch(3, session=held, status=RegistrationStatus.ATTENDED)
    SessionRegistrationFactory(session=held, status=RegistrationStatus.ABSENT)
    volunteer = VolunteerFactory()
    VolunteerTrainingFactory(volunteer=volunteer, module=module, completed_on=datetime.date(2025, 3, 5))
    VolunteerTrainingFactory(module=module, completed_on=datetime.date(2024, 12, 31))

    network = NetworkFactory(created_at=at("2025-01-10"))
    NetworkFactory(created_at=at("2026-01-10"))  # created after the period
    NeighbourFactory(network=network, consenting=True, consent_given_at=at("2025-02-01"))
    NeighbourFactory(
        network=network, consenting=True, consent_given_at=at("2025-02-01"), consent_withdrawn_at=at("2025-05-01")
    )
    Alert.objects.create(
        network=network, raised_at=at("2025-06-01"), handled_at=at("2025-06-02"), text="x", raised_by=network.referent
    )
    Alert.objects.create(network=network, raised_at=at("2025-07-01"), text="y", raised_by=network.referent)

    year = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    [row] = training_activity(year)
    assert (row.module, row.sessions_held, row.attendances, row.volunteers_trained) == (
        "Accueil des volontaires",
        1,
        3,
        1,
    )
    figures = neighbour_activity(year)
    assert (figures.networks_active, figures.neighbours_consenting) == (1, 1)
    assert (figures.alerts_raised, figures.alerts_handled) == (2, 1)


def test_an_episode_period_links_to_its_report(coordinator_client, known_data):
    from tests.factories.crises import episode_with

    episode = episode_with(starts_on=datetime.date(2025, 7, 1), ends_on=datetime.date(2025, 7, 10))
    response = _page(coordinator_client, period=f"episode-{episode.pk}")
    assert response.context["bilan"].period == Period(datetime.date(2025, 7, 1), datetime.date(2025, 7, 10))
    assert reverse("reporting:episode_report", args=[episode.pk]) in response.content.decode()
    assert coordinator_client.get(reverse("reporting:episode_report", args=[episode.pk])).status_code == 200
