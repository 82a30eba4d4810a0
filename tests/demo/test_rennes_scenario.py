"""The « Rennes 2020 » scenario gives Rennes' figures for the bilan of 2020.

The figures are counted here with plain ORM queries written from the definitions of issue 12
(registered, active from the status history, mobilised with partner shifts, …), independent of
any reporting code. The town is built once for the module, in a transaction rolled back at the end.
"""

import datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from villesolidaire.demo import rennes
from villesolidaire.demo.management.commands import seed_demo as seed_demo_command
from villesolidaire.help_requests.enums import Status as RequestStatus
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission, Support
from villesolidaire.needs.models import ShiftSignup
from villesolidaire.territory.models import Town
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Volunteer, VolunteerStatusChange


@pytest.fixture(scope="module")
def scenario(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = rennes.seed_rennes_2020(var_dir=tmp_path_factory.mktemp("rennes"))
        yield summary
        transaction.set_rollback(True)


def bounds() -> tuple[datetime.datetime, datetime.datetime]:
    """The period as [start, end): midnight of its first local day, midnight after its last."""
    first, last = rennes.scenario_period()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def registered():
    start, end = bounds()
    return Volunteer.objects.filter(created_at__gte=start, created_at__lt=end)


def with_status_at(queryset, moment: datetime.datetime):
    """`status_then`: the last change before `moment`, else today's status (no change logged)."""
    last = VolunteerStatusChange.objects.filter(volunteer=OuterRef("pk"), at__lt=moment).order_by("-at", "-pk")
    return queryset.annotate(status_then=Coalesce(Subquery(last.values("to_status")[:1]), F("status")))


def active_at_end():
    return with_status_at(registered(), bounds()[1]).filter(status_then=Status.ACTIVE)


def done_missions():
    start, end = bounds()
    return Mission.objects.filter(status=MissionStatus.DONE, scheduled_at__gte=start, scheduled_at__lt=end)


def attended_signups():
    start, end = bounds()
    return ShiftSignup.objects.filter(attended=True, shift__starts_at__gte=start, shift__starts_at__lt=end)


def mobilised_ids() -> set[int]:
    by_missions = set(done_missions().values_list("support__volunteer", flat=True))
    return by_missions | set(attended_signups().values_list("volunteer", flat=True))


def requests_in_period():
    start, end = bounds()
    return HelpRequest.objects.filter(created_at__gte=start, created_at__lt=end)


def test_period_is_the_calendar_year_2020():
    assert rennes.scenario_period() == (datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
    assert rennes.LAUNCH == datetime.date(2020, 3, 16)


def test_the_six_figures_of_2020(scenario):
    start, end = bounds()
    figures = {
        "registered": registered().count(),
        "active": active_at_end().count(),
        "mobilised": len(mobilised_ids()),
        "missions_done": done_missions().count(),
        "residents_helped": requests_in_period().values("resident").distinct().count(),
        "supports": Support.objects.filter(started_at__gte=start, started_at__lt=end).count(),
    }
    assert figures == {
        "registered": 509,
        "active": 405,
        "mobilised": 292,
        "missions_done": 398,
        "residents_helped": 171,
        "supports": 227,
    }
    assert figures == rennes.TARGETS


def test_sign_ups_come_in_the_three_weeks_of_the_call_and_a_few_in_2021(scenario):
    first, last = registered().order_by("created_at").values_list("created_at", flat=True)[::508]
    assert timezone.localtime(first).date() >= rennes.LAUNCH
    assert timezone.localtime(last).date() <= rennes.CALL_CLOSES
    assert Volunteer.objects.filter(created_at__gte=bounds()[1]).count() == rennes.SIGNUPS_2021
    # Withdrawn volunteers are counted, anonymised.
    assert registered().filter(status=Status.WITHDRAWN, anonymised_at__isnull=False).count() >= 48


def test_the_2021_closure_moved_the_active_ones_to_the_reserve(scenario):
    # Read today, nobody of 2020 is active any more: counting today's statuses would say 0, not 405.
    assert not registered().filter(status=Status.ACTIVE).exists()
    closure = VolunteerStatusChange.objects.filter(note=rennes.CLOSURE_NOTE, to_status=Status.RESERVE)
    assert {timezone.localtime(at).date() for at in closure.values_list("at", flat=True)} == {rennes.CLOSURE}
    active_2020 = set(active_at_end().values_list("pk", flat=True))
    moved = set(closure.filter(from_status=Status.ACTIVE).values_list("volunteer", flat=True))
    withdrawn_2021 = set(
        VolunteerStatusChange.objects.filter(to_status=Status.WITHDRAWN, at__gte=bounds()[1]).values_list(
            "volunteer", flat=True
        )
    )
    assert len(withdrawn_2021) == rennes.WITHDRAWN_IN_2021
    assert active_2020 - moved == withdrawn_2021
    assert len(active_2020 & moved) == 405 - rennes.WITHDRAWN_IN_2021
    assert closure.filter(from_status=Status.PAUSED).count() == rennes.PAUSED_AT_END
    # The status history still says 405 at the end of 2020, and 0 active after the closure.
    assert with_status_at(registered(), bounds()[1]).filter(status_then=Status.ACTIVE).count() == 405
    after = timezone.make_aware(datetime.datetime.combine(rennes.CLOSURE, datetime.time(23)))
    assert not with_status_at(registered(), after).filter(status_then=Status.ACTIVE).exists()


def test_active_count_needs_the_history_not_the_first_validation(scenario):
    """Some of the 405 paused and came back; some volunteers validated in 2020 were not active at its end."""
    paused_and_back = (
        active_at_end()
        .filter(status_changes__to_status=Status.PAUSED, status_changes__at__lt=bounds()[1])
        .distinct()
        .count()
    )
    assert paused_and_back == rennes.PAUSED_AND_BACK
    validated = registered().filter(validated_at__isnull=False).count()
    assert validated > 405
    at_end = with_status_at(registered(), bounds()[1]).values("status_then").annotate(n=Count("pk"))
    assert {row["status_then"]: row["n"] for row in at_end} == {
        Status.ACTIVE: 405,
        Status.REGISTERED: rennes.NEVER_VALIDATED,
        Status.WITHDRAWN: rennes.WITHDRAWN_BEFORE_VALIDATION + rennes.WITHDRAWN_AFTER_ACTIVE,
        Status.PAUSED: rennes.PAUSED_AT_END,
        Status.RESERVE: rennes.RESERVE_AT_END,
    }


def test_partner_shifts_are_needed_to_reach_292(scenario):
    by_missions = set(done_missions().values_list("support__volunteer", flat=True))
    by_shifts = set(attended_signups().values_list("volunteer", flat=True))
    assert len(by_missions) == 180
    assert len(by_shifts - by_missions) == rennes.SHIFT_ONLY
    assert by_shifts & by_missions
    # Shifts run by partners (volet 2) and by the town; no-shows and 2021 shifts do not count.
    assert attended_signups().filter(shift__need__organisation__isnull=False).exists()
    assert attended_signups().filter(shift__need__organisation__isnull=True).exists()
    start, end = bounds()
    no_shows = set(
        ShiftSignup.objects.filter(attended=False, shift__starts_at__lt=end).values_list("volunteer", flat=True)
    )
    assert no_shows and not no_shows & mobilised_ids()
    later = set(
        ShiftSignup.objects.filter(attended=True, shift__starts_at__gte=end).values_list("volunteer", flat=True)
    )
    assert later - mobilised_ids()
    # Some of the mobilised withdrew before the end of the year: mobilised does not depend on status.
    withdrawn_at_end = set(
        with_status_at(registered(), end).filter(status_then=Status.WITHDRAWN).values_list("pk", flat=True)
    )
    assert len(withdrawn_at_end & by_missions) == rennes.MISSION_VOLUNTEERS_WITHDRAWN


def test_missions_are_realistic(scenario):
    start, end = bounds()
    in_2020 = Mission.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end)
    assert in_2020.filter(status=MissionStatus.MISSED).exists()
    assert in_2020.filter(status=MissionStatus.CANCELLED).exists()
    assert not done_missions().filter(duration_minutes__isnull=True).exists()
    assert Mission.objects.filter(status=MissionStatus.DONE, scheduled_at__gte=end).exists()  # 2021's
    assert not Mission.objects.filter(status=MissionStatus.PLANNED).exists()
    # Every mission falls between the launch and the closure, after its support started.
    first = Mission.objects.order_by("scheduled_at").first()
    last = Mission.objects.order_by("scheduled_at").last()
    assert timezone.localtime(first.scheduled_at).date() > rennes.LAUNCH
    assert timezone.localtime(last.scheduled_at).date() <= rennes.CLOSURE
    assert not Mission.objects.filter(scheduled_at__lt=F("support__started_at")).exists()
    assert not Support.objects.filter(started_at__lt=F("volunteer__validated_at")).exists()


def test_residents_helped_count_every_request_of_2020(scenario):
    requests = requests_in_period()
    per_resident = requests.values("resident").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_resident) > 1
    without_support = requests.filter(supports__isnull=True, status=RequestStatus.CLOSED)
    assert without_support.count() == rennes.UNSUPPORTED_2020
    # Five residents only had a request closed without support: they count, though nobody helped them.
    with_done = set(done_missions().values_list("support__resident", flat=True))
    assert len(set(requests.values_list("resident", flat=True)) - with_done) >= rennes.ONLY_UNSUPPORTED_RESIDENTS
    # Requests of late December whose support starts in January 2021 count in 2020, their supports do not.
    start, end = bounds()
    assert Support.objects.filter(help_request__created_at__lt=end, started_at__gte=end).count() == 3


def test_the_town_is_fictitious(scenario):
    town = Town.objects.get()
    assert town.insee_code.startswith("99")
    assert town.name == rennes.SCENARIO_TOWN_NAME
    emails = Volunteer.objects.exclude(email="").values_list("email", flat=True)
    assert all(email.endswith(".invalid") for email in emails)
    phones = Volunteer.objects.exclude(phone="").values_list("phone", flat=True)
    assert all(str(phone).startswith("+3363998") for phone in phones)


def test_command_states_the_period(monkeypatch):
    """The command says which bilan gives the figures (the seeding itself is tested above)."""
    calls = []

    def fake_seed(seed):
        calls.append(seed)
        return rennes.ScenarioSummary(seed=seed, counts={"volontaires": 523})

    monkeypatch.setattr(rennes, "seed_rennes_2020", fake_seed)
    monkeypatch.setattr(seed_demo_command, "Town", SimpleNamespace(objects=SimpleNamespace(exists=lambda: False)))
    out = StringIO()
    call_command("seed_demo", "--scenario", "rennes-2020", stdout=out)
    assert calls == [rennes.DEFAULT_SEED]
    text = out.getvalue()
    assert "Bilan « année 2020 » (du 01/01/2020 au 31/12/2020)" in text
    assert "509 inscrit·es, 405 actif·ves, 292 mobilisé·es, 398 missions réalisées" in text
    assert "dispositif ouvert le 16/03/2020" in text and "clos le 31/08/2021" in text


# The bilan itself (page, PDF, XLSX) shows Rennes' six figures for the year 2020.
RENNES_2020 = {
    "registered": ("Volontaires inscrit·es", 509),
    "active": ("Volontaires actif·ves", 405),
    "mobilised": ("Volontaires mobilisé·es", 292),
    "missions_done": ("Missions réalisées", 398),
    "residents_helped": ("Habitant·es aidé·es", 171),
    "supports": ("Soutiens mis en place", 227),
}
YEAR_2020 = {"period": "annee-2020"}


@pytest.fixture
def coordinator(client):
    from tests.factories import login_staff, staff_user
    from villesolidaire.accounts.enums import Role

    login_staff(client, staff_user(Role.COORDINATOR, email="bilan-coordination@exemple.invalid"))
    return client


def test_the_bilan_page_shows_rennes_figures(scenario, coordinator):
    from django.urls import reverse

    response = coordinator.get(reverse("reporting:dashboard"), YEAR_2020)
    assert response.context["bilan"].chosen.title == "Année 2020"
    html = response.content.decode()
    for code, (_label, value) in RENNES_2020.items():
        assert f'data-figure="{code}">{value}</p>' in html


def test_the_bilan_pdf_shows_rennes_figures(scenario, coordinator):
    import io

    from django.urls import reverse
    from pypdf import PdfReader

    response = coordinator.get(reverse("reporting:pdf"), YEAR_2020)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    lines = text.splitlines()
    for label, value in RENNES_2020.values():
        # Each figure's row of the key figures table: its label, then its value.
        assert f"{label} {value}" in lines


def test_the_bilan_xlsx_shows_rennes_figures(scenario, coordinator):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    response = coordinator.get(reverse("reporting:export_xlsx"), YEAR_2020)
    sheet = load_workbook(io.BytesIO(response.content))["Chiffres clés"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    for label, value in RENNES_2020.values():
        assert values[label] == value
