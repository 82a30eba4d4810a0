"""The episode report on a generated campaign: every figure checked against counts computed here,
in plain Python over what the test built, then in the page, the XLSX and the PDF, which hold no name."""

import datetime
import io
import math
import re
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
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
from tests.factories.campaigns import accredited_caller, campaign_for, officer
from tests.factories.crises import episode_with
from tests.factories.needs import NeedFactory, ShiftFactory, SignupFactory
from tests.factories.register import RegisterEntryFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.audit.models import AuditAction, AuditEntry
from villesolidaire.campaigns.enums import AttemptChannel, EscalationKind, EscalationResult, Outcome, TargetStatus
from villesolidaire.campaigns.models import CallAttempt, CallTarget, EscalationStep
from villesolidaire.crises.selectors import episode_for
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.register.models import EntryStatus, RegisterEntry, RemovalReason
from villesolidaire.reporting import episode_report as er

TZ = timezone.get_default_timezone()
START = datetime.date(2026, 7, 14)
END = datetime.date(2026, 7, 17)
LAUNCH = datetime.datetime(2026, 7, 14, 10, 0, tzinfo=TZ)
SECOND_LAUNCH = datetime.datetime(2026, 7, 15, 8, 30, tzinfo=TZ)

# Distinctive names for every person in the data: none may appear in the page, the PDF or the XLSX.
SURNAMES = [
    "Abgrallec",
    "Belmondine",
    "Cabanissou",
    "Dagorneau",
    "Escoffiano",
    "Fontanarosse",
    "Guéguenoux",
    "Hérissonde",
    "Iparraguir",
    "Jézéquelot",
    "Kerbratoux",
    "Lagadeuc",
    "Marzinowska",
    "Nédélecque",
    "Olivarèsse",
    "Pichavantin",
    "Quéménerix",
    "Rivoallanne",
    "Salaünette",
    "Tanguyvelle",
]
FIRST_NAMES = ["Josépha", "Maëlwenn", "Gwénolé", "Théodulphe", "Ermengarde", "Anatole", "Sidonie"]


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def name_of(i: int) -> tuple[str, str]:
    return SURNAMES[i % len(SURNAMES)], FIRST_NAMES[i % len(FIRST_NAMES)]


# What happens to each person on the call lists, in list order (cycled): attempts as (hours after
# entering the list, outcome, channel), escalation steps as (kind, hours, result or "" if open), final status.
PLANS = [
    {"attempts": [(2, Outcome.REACHED_FINE, AttemptChannel.PHONE)], "status": TargetStatus.REACHED},
    {
        "attempts": [(1, Outcome.NO_ANSWER, AttemptChannel.PHONE), (23.5, Outcome.REACHED_NEEDS_HELP, "phone")],
        "status": TargetStatus.REACHED,
    },
    {"attempts": [(30, Outcome.REACHED_FINE, AttemptChannel.PHONE)], "status": TargetStatus.REACHED},
    {"attempts": [(47, Outcome.REACHED_FINE, AttemptChannel.SMS)], "status": TargetStatus.REACHED},
    {"attempts": [(60, Outcome.REACHED_FINE, AttemptChannel.PHONE)], "status": TargetStatus.REACHED},
    {
        "attempts": [(h, Outcome.NO_ANSWER, AttemptChannel.PHONE) for h in (1, 3, 5, 7)],
        "steps": [(EscalationKind.EMERGENCY_CONTACT, 7, EscalationResult.NO_NEWS), (EscalationKind.HOME_CARE, 9, "")],
        "status": TargetStatus.ESCALATED,
    },
    {
        "attempts": [(4, Outcome.WRONG_NUMBER, AttemptChannel.PHONE)],
        "steps": [(EscalationKind.EMERGENCY_CONTACT, 4, EscalationResult.RESOLVED)],
        "status": TargetStatus.REACHED,
    },
    {"attempts": [(6, Outcome.HOSPITALISED, AttemptChannel.PHONE)], "status": TargetStatus.CLOSED},
    {"attempts": [], "status": TargetStatus.PENDING},
    {
        "attempts": [(5, Outcome.REACHED_FINE, AttemptChannel.PHONE), (53, Outcome.NO_ANSWER, AttemptChannel.PHONE)],
        "status": TargetStatus.PENDING,
    },
    {
        "attempts": [(2, Outcome.WRONG_NUMBER, AttemptChannel.PHONE)],
        "steps": [(EscalationKind.HOME_VISIT, 26, EscalationResult.TAKEN_IN_CHARGE)],
        "status": TargetStatus.CLOSED,
    },
]
REACHED = {Outcome.REACHED_FINE, Outcome.REACHED_NEEDS_HELP}


def nearest_rank(values, share):
    """The test's own reading of the nearest-rank percentile: the smallest value with at least
    `share` of the values at or below it."""
    ordered = sorted(values)
    return next(v for v in ordered if sum(1 for w in ordered if w <= v) >= share * len(ordered))


def hours(seconds):
    return round(seconds / 3600, 1)


@pytest.fixture
def scenario():
    """Three quartiers (two in the episode), register entries, two generated campaigns, calls,
    escalations, help requests, missions and shifts inside and outside the episode."""
    TownFactory()
    north, south, east = QuartierFactory(name="Nord"), QuartierFactory(name="Sud"), QuartierFactory(name="Est")
    before = local(START - datetime.timedelta(days=30), 9)
    people = []
    counter = iter(range(1000))

    def entry(quartier, created_at=before, **kwargs):
        last, first = name_of(next(counter))
        made = RegisterEntryFactory(
            quartier=quartier, last_name=last, first_names=first, emergency_contact_name=f"{first} {last}", **kwargs
        )
        # Typed in later than asked (a paper register taken over): the request's date counts.
        request_date = timezone.localtime(created_at).date()
        RegisterEntry.objects.filter(pk=made.pk).update(
            request_date=request_date, created_at=created_at + datetime.timedelta(days=90)
        )
        made.request_date, made.created_at = request_date, created_at
        people.append(made)
        return made

    for _ in range(9):
        entry(north)
    for _ in range(8):
        entry(south)
    for _ in range(3):
        entry(east)
    entry(None)  # no quartier: outside an episode that names quartiers
    removed = {"status": EntryStatus.REMOVED, "removal_reason": RemovalReason.REQUEST}
    entry(north, removed_on=START - datetime.timedelta(days=2), **removed)  # gone before: not counted
    entry(south, removed_on=START + datetime.timedelta(days=1), **removed)  # there on day 1: counted, not called
    entry(north, created_at=local(START, 8))  # registered on day 1: counted
    entry(south, created_at=local(START + datetime.timedelta(days=1), 9))  # after day 1: called, not counted
    entries = list(RegisterEntry.objects.all())

    episode = episode_with(north, south, starts_on=START, ends_on=END)
    by = officer()
    first = campaign_for(episode, by=by, now=LAUNCH)
    second = campaign_for(episode, by=by, now=SECOND_LAUNCH, quartiers=(south,))
    outside = campaign_for(episode_with(east, starts_on=START), by=by, now=LAUNCH)  # another episode's
    caller = accredited_caller(by=by)
    for user, (last, first_name) in ((by, ("Vauquelinot", "Ombeline")), (caller, ("Prigentaire", "Hermeland"))):
        user.last_name, user.first_name = last, first_name
        user.save(update_fields=["last_name", "first_name"])

    expected_targets = []
    targets = list(CallTarget.objects.filter(campaign__in=[first, second]).order_by("campaign_id", "pk"))
    for index, target in enumerate(targets):
        plan = PLANS[index % len(PLANS)]
        entered = target.created_at
        first_ok = None
        for offset, outcome, channel in plan["attempts"]:
            at = entered + datetime.timedelta(hours=offset)
            CallAttempt.objects.create(
                target=target,
                caller=caller if channel == AttemptChannel.PHONE else None,
                channel=channel,
                started_at=at - datetime.timedelta(minutes=3),
                ended_at=at,
                outcome=outcome,
            )
            if outcome in REACHED and first_ok is None:
                first_ok = at
        for kind, offset, result in plan.get("steps", []):
            opened = entered + datetime.timedelta(hours=offset)
            EscalationStep.objects.create(
                target=target,
                kind=kind,
                opened_at=opened,
                result=result,
                done_at=opened + datetime.timedelta(hours=1) if result else None,
                done_by=by if result else None,
                assigned_agent=by,
            )
        CallTarget.objects.filter(pk=target.pk).update(status=plan["status"])
        expected_targets.append(
            {
                "quartier": target.quartier_id,
                "entered": entered,
                "first_ok": first_ok,
                "status": plan["status"],
                "steps": plan.get("steps", []),
            }
        )
    # The other episode's list is called too: none of it may count here.
    for target in outside.targets.all():
        CallAttempt.objects.create(
            target=target, caller=caller, started_at=LAUNCH, ended_at=LAUNCH, outcome=Outcome.REACHED_FINE
        )

    # Help requests, missions and shifts: residents and volunteers with names too.
    activity = []
    residents = {}
    for key, quartier in (("north", north), ("south", south), ("east", east), ("none", None)):
        last, first_name = name_of(next(counter))
        residents[key] = ResidentFactory(quartier=quartier, last_name=last, first_name=first_name)
    last, first_name = name_of(next(counter))
    volunteer = VolunteerFactory(active=True, last_name=last, first_name=first_name)
    # (resident, request entered at, missions as (scheduled at, status, minutes)).
    plan = [
        ("north", local(START, 11), [(local(START, 15), MissionStatus.DONE, 60)]),
        ("north", local(START + datetime.timedelta(days=2), 23, 30), [(local(END, 10), MissionStatus.DONE, 45)]),
        ("south", local(START + datetime.timedelta(days=1), 9), [(local(END, 11), MissionStatus.DONE, None)]),
        ("south", local(END, 18), [(local(END, 19), MissionStatus.PLANNED, 30)]),
        ("east", local(START, 12), [(local(START, 16), MissionStatus.DONE, 90)]),  # quartier outside
        ("north", local(START - datetime.timedelta(days=1), 23, 50), [(local(START, 9), MissionStatus.DONE, 30)]),
        (
            "south",
            local(END + datetime.timedelta(days=1), 0, 10),
            [(local(END + datetime.timedelta(days=1), 9), "done", 20)],
        ),
        ("none", local(START, 13), []),
    ]
    # Links set as the creating services set them (crises.selectors.episode_for); the report reads
    # the links, the expected figures below read dates and quartiers.
    for key, entered_at, missions in plan:
        quartier = residents[key].quartier
        request = HelpRequestFactory(
            resident=residents[key], created_at=entered_at, episode=episode_for(_day(entered_at), quartier)
        )
        support = SupportFactory(help_request=request, volunteer=volunteer, episode=request.episode)
        activity.append(("request", residents[key].quartier_id, entered_at, None))
        for scheduled, status, minutes in missions:
            MissionFactory(
                support=support,
                scheduled_at=scheduled,
                status=status,
                duration_minutes=minutes,
                episode=episode_for(_day(scheduled), quartier) or support.episode,
            )
            if status == MissionStatus.DONE:
                activity.append(("mission", residents[key].quartier_id, scheduled, minutes))
    shifts = [
        (north, local(START + datetime.timedelta(days=1), 9), Decimal("3.5"), True),
        (south, local(END, 14), Decimal("2"), True),
        (south, local(END, 14), Decimal("2"), False),  # signed up, absent
        (east, local(START, 9), Decimal("4"), True),  # quartier outside
        (north, local(END + datetime.timedelta(days=2), 9), Decimal("3"), True),  # after the episode
    ]
    for quartier, starts_at, hours_done, attended in shifts:
        need = NeedFactory(quartier=quartier, episode=episode_for(_day(starts_at), quartier))
        shift = ShiftFactory(need=need, starts_at=starts_at)
        SignupFactory(shift=shift, volunteer=volunteer, attended=attended, hours=hours_done)
        if attended:
            activity.append(("shift", quartier.pk, starts_at, hours_done))

    names = [name for p in entries for name in (p.last_name, p.first_names)]
    names += [n for r in residents.values() for n in (r.last_name, r.first_name)]
    names += [volunteer.last_name, volunteer.first_name, caller.last_name, caller.first_name]
    names += [by.last_name, by.first_name]
    return {
        "episode": episode,
        "quartiers": {"Nord": north.pk, "Sud": south.pk},
        "entries": entries,
        "targets": expected_targets,
        "activity": activity,
        "names": [n for n in names if n],
    }


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def expected(scenario):
    """Every figure of the report, computed here from what the scenario built."""
    in_episode = set(scenario["quartiers"].values())
    by_q = defaultdict(lambda: defaultdict(int))
    for entry in scenario["entries"]:
        if entry.quartier_id not in in_episode or entry.request_date > START:
            continue
        if entry.status == EntryStatus.REMOVED and entry.removed_on < START:
            continue
        by_q[entry.quartier_id]["register"] += 1
    delays = defaultdict(list)
    by_day = defaultdict(lambda: defaultdict(int))
    for target in scenario["targets"]:
        q = by_q[target["quartier"]]
        q["targeted"] += 1
        by_day[timezone.localtime(target["entered"]).date()]["added"] += 1
        if target["first_ok"]:
            delay = (target["first_ok"] - target["entered"]).total_seconds()
            q["reached"] += 1
            q["reached_24h"] += delay < 24 * 3600
            q["reached_48h"] += delay < 48 * 3600
            delays[target["quartier"]].append(delay)
            by_day[timezone.localtime(target["first_ok"]).date()]["first_contacts"] += 1
        else:
            q["never_reached"] += 1
            q["no_news"] += target["status"] in (TargetStatus.PENDING, TargetStatus.ESCALATED)
        q["escalated"] += bool(target["steps"])
        for _kind, offset, _result in target["steps"]:
            opened = target["entered"] + datetime.timedelta(hours=offset)
            by_day[timezone.localtime(opened).date()]["steps_opened"] += 1
    window = (local(START, 0), local(END + datetime.timedelta(days=1), 0))
    for kind, quartier, at, amount in scenario["activity"]:
        if quartier not in in_episode or not window[0] <= at < window[1]:
            continue
        day = timezone.localtime(at).date()
        if kind == "request":
            by_q[quartier]["help_requests"] += 1
            by_day[day]["help_requests"] += 1
        elif kind == "mission":
            by_q[quartier]["missions_done"] += 1
            by_day[day]["missions_done"] += 1
            by_q[quartier]["hours"] += Decimal(amount or 0) / 60
            by_day[day]["hours"] += Decimal(amount or 0) / 60
        else:
            by_q[quartier]["hours"] += amount
            by_day[day]["hours"] += amount
    all_delays = [d for values in delays.values() for d in values]
    return by_q, delays, all_delays, by_day


def test_the_report_matches_counts_computed_independently(scenario):
    report = er.episode_report(scenario["episode"], today=END + datetime.timedelta(days=5))
    by_q, delays, all_delays, by_day = expected(scenario)
    counted = ("register", "targeted", "reached_24h", "reached_48h", "reached", "never_reached", "no_news")
    counted += ("escalated", "help_requests", "missions_done")
    # The scenario reaches every case it is meant to test.
    for figure in counted:
        assert sum(q[figure] for q in by_q.values()) > 0, figure
    assert report.totals["targeted"] == len(scenario["targets"]) == 10 + 9 + 9  # Sud called by both campaigns
    for figure in counted:
        assert report.totals[figure] == sum(q[figure] for q in by_q.values()), figure
    assert report.totals["contact_median"] == hours(statistics.median(all_delays))
    assert report.totals["contact_p90"] == hours(nearest_rank(all_delays, 0.9))
    total_hours = sum((q["hours"] for q in by_q.values()), Decimal(0))
    assert report.totals["volunteer_hours"] == pytest.approx(float(total_hours), abs=0.01)
    assert total_hours == Decimal("2.25") + Decimal("3.5") + Decimal("2")  # 60 + 45 + 30 min, two shifts

    rows = {row.label: row for row in report.by_quartier}
    assert list(rows) == ["Nord", "Sud"]  # the episode's quartiers, nothing from elsewhere
    for label, pk in scenario["quartiers"].items():
        values = rows[label].values
        for figure in counted:
            assert values[figure] == by_q[pk][figure], (label, figure)
        assert values["contact_median"] == hours(statistics.median(delays[pk]))
        assert values["contact_p90"] == hours(nearest_rank(delays[pk], 0.9))
        assert values["volunteer_hours"] == pytest.approx(float(by_q[pk]["hours"]), abs=0.01)

    assert [row.key for row in report.by_day] == [START + datetime.timedelta(days=n) for n in range(4)]
    for row in report.by_day:
        for figure in ("added", "first_contacts", "steps_opened", "help_requests", "missions_done"):
            assert row.values[figure] == by_day[row.key][figure], (row.key, figure)
        assert row.values["volunteer_hours"] == pytest.approx(float(by_day[row.key]["hours"]), abs=0.01)

    steps = {step.kind: step for step in report.steps}
    opened, results, still_open = defaultdict(int), defaultdict(lambda: defaultdict(int)), defaultdict(int)
    for target in scenario["targets"]:
        for kind, _offset, result in target["steps"]:
            opened[kind] += 1
            if result:
                results[kind][result] += 1
            else:
                still_open[kind] += 1
    assert [step.kind for step in report.steps] == list(EscalationKind.values)
    for kind in EscalationKind.values:
        assert steps[kind].opened == opened[kind], kind
        assert steps[kind].still_open == still_open[kind], kind
        assert steps[kind].results == dict(results[kind]), kind
    assert sum(opened.values()) > 0 and sum(still_open.values()) > 0


def test_a_whole_town_episode_counts_every_quartier_and_the_unknown_one(scenario):
    episode = scenario["episode"]
    linked = er.episode_report(episode, today=END).totals
    episode.quartiers.clear()
    report = er.episode_report(episode, today=END)
    labels = [row.label for row in report.by_quartier]
    assert labels == ["Est", "Nord", "Sud", er.NO_QUARTIER]
    entries = scenario["entries"]
    assert report.totals["register"] == sum(
        1
        for e in entries
        if e.request_date <= START and not (e.status == EntryStatus.REMOVED and e.removed_on < START)
    )
    # Requests and missions count through their links, set when they were raised: widening the
    # episode afterwards does not move East's request (a coordinator edits its link if it should).
    assert report.totals["help_requests"] == linked["help_requests"] == 4
    assert report.totals["missions_done"] == linked["missions_done"]
    east_request = HelpRequest.objects.get(resident__quartier__name="Est")
    east_request.episode = episode
    east_request.save(update_fields=["episode"])
    assert er.episode_report(episode, today=END).totals["help_requests"] == 5


def test_the_query_count_does_not_grow_with_the_data(scenario, django_assert_num_queries):
    with django_assert_num_queries(er.EPISODE_REPORT_QUERIES):
        er.episode_report(scenario["episode"])
    campaign_for(scenario["episode"], now=LAUNCH + datetime.timedelta(days=2))
    with django_assert_num_queries(er.EPISODE_REPORT_QUERIES):
        er.episode_report(scenario["episode"])


def test_a_follow_up_mission_after_the_episode_is_left_out_so_that_every_table_adds_up():
    episode = episode_with(starts_on=START, ends_on=END)
    support = SupportFactory(episode=episode, help_request__episode=episode, help_request__created_at=local(START, 9))
    for scheduled in (local(END, 10), local(END + datetime.timedelta(days=3), 10)):
        MissionFactory(
            support=support, scheduled_at=scheduled, status=MissionStatus.DONE, duration_minutes=60, episode=episode
        )
    report = er.episode_report(episode, today=END + datetime.timedelta(days=10))
    assert report.totals["missions_done"] == 1
    assert sum(row.values["missions_done"] for row in report.by_day) == 1
    assert sum(row.values["missions_done"] for row in report.by_quartier) == 1
    assert report.totals["volunteer_hours"] == 1


def test_an_episode_with_nothing_shows_no_delay():
    report = er.episode_report(episode_with(starts_on=START, ends_on=START))
    assert report.totals["targeted"] == 0
    assert report.totals["contact_median"] is None and report.totals["contact_p90"] is None
    assert len(report.by_day) == 1


def test_an_ongoing_episode_runs_to_today_and_no_further_than_the_cap():
    episode = episode_with(starts_on=START)
    assert er.episode_window(episode, START + datetime.timedelta(days=3)) == (
        START,
        START + datetime.timedelta(days=3),
    )
    far = er.episode_window(episode, START + datetime.timedelta(days=1000))
    assert far[1] == START + datetime.timedelta(days=er.MAX_DAYS - 1)


def test_percentiles_follow_their_definition():
    assert er.contact_delays([3600 * h for h in (1, 2, 3, 4)]) == {"contact_median": 2.5, "contact_p90": 4.0}
    ten = [3600 * h for h in range(1, 11)]
    assert er.contact_delays(ten)["contact_p90"] == 9.0
    assert math.isclose(er.contact_delays([5400])["contact_median"], 1.5)


# The page and the downloads ---------------------------------------------------------------------


def _signed_in(client, role):
    user = staff_user(role)
    login_staff(client, user)
    return user


def _assert_no_name(text: str, names: list[str]) -> None:
    for name in names:
        assert name not in text, name


def test_the_page_shows_the_figures_without_any_name(client, scenario):
    _signed_in(client, Role.COORDINATOR)
    episode = scenario["episode"]
    report = er.episode_report(episode)
    response = client.get(reverse("reporting:episode_report", args=[episode.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for code, _label, value, definition in report.headline:
        shown = "—" if value is None else str(value).replace(".", ",")  # French decimal comma
        assert f'data-figure="{code}">{shown}</p>' in html, code
        assert definition.replace("'", "&#x27;") in html
    nord = re.search(r'<th scope="row">Nord</th>(.*?)</tr>', html, re.S).group(1)
    assert f'data-figure="targeted">{report.by_quartier[0].values["targeted"]}<' in nord
    assert html.count('<svg class="bar-chart"') == 2
    assert reverse("reporting:episode_report_pdf", args=[episode.pk]) in html
    _assert_no_name(html, scenario["names"])


def test_the_xlsx_holds_the_same_figures_one_sheet_per_breakdown(client, scenario):
    user = _signed_in(client, Role.REGISTER_OFFICER)
    episode = scenario["episode"]
    report = er.episode_report(episode)
    by_q, _delays, _all, by_day = expected(scenario)
    response = client.get(reverse("reporting:episode_report_xlsx", args=[episode.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Chiffres clés", "Par quartier", "Par jour", "Escalades par étape", "Définitions"]
    key = {row[0]: row[1] for row in workbook["Chiffres clés"].iter_rows(min_row=3, values_only=True)}
    assert key["Personnes à appeler"] == len(scenario["targets"])
    assert key["Jointes en 24 h"] == sum(q["reached_24h"] for q in by_q.values())
    assert key["Jamais jointes"] == sum(q["never_reached"] for q in by_q.values())
    assert key["Délai du premier contact, médiane (heures)"] == report.totals["contact_median"]
    sheet = list(workbook["Par quartier"].iter_rows(min_row=2, values_only=True))
    headers, rows = sheet[0], {row[0]: dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]}
    assert "Jointes en 48 h" in headers
    north = scenario["quartiers"]["Nord"]
    assert rows["Nord"]["Jointes en 48 h"] == by_q[north]["reached_48h"]
    assert rows["Nord"]["Personnes inscrites au registre"] == by_q[north]["register"]
    days = list(workbook["Par jour"].iter_rows(min_row=3, values_only=True))
    assert [row[0].date() for row in days] == [START + datetime.timedelta(days=n) for n in range(4)]
    assert [row[2] for row in days] == [by_day[START + datetime.timedelta(days=n)]["first_contacts"] for n in range(4)]
    cells = " ".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert er.DEFINITIONS["reached_24h"] in cells
    _assert_no_name(cells, scenario["names"])
    audit = AuditEntry.objects.get(actor=user, action=AuditAction.EXPORT)
    assert audit.object_id == str(episode.pk) and "xlsx" in audit.detail


def test_the_pdf_reads_back_with_the_figures_and_no_name(client, scenario):
    _signed_in(client, Role.ADMIN)
    episode = scenario["episode"]
    report = er.episode_report(episode)
    response = client.get(reverse("reporting:episode_report_pdf", args=[episode.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Mairie de Bourg-Solidaire" in flat
    for code in ("register", "targeted", "reached_24h", "reached_48h", "never_reached", "no_news", "escalated"):
        assert f"{er.FIGURE_LABELS[code]} {report.totals[code]}" in flat, code
    median = str(report.totals["contact_median"]).replace(".", ",")
    assert f"{er.FIGURE_LABELS['contact_median']} {median}" in flat
    nord = report.by_quartier[0].values
    assert f"Nord {nord['register']} {nord['targeted']} {nord['reached_24h']} {nord['reached_48h']}" in flat
    assert "Définitions" in flat and "rang le plus proche" in flat
    _assert_no_name(flat, scenario["names"])
    _assert_no_name(text, scenario["names"])


# Who may read it -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.REGISTER_OFFICER])
def test_coordinators_admins_and_register_officers_read_it(client, role):
    episode = episode_with(starts_on=START, ends_on=END)
    _signed_in(client, role)
    for name in ("episode_report", "episode_report_pdf", "episode_report_xlsx"):
        assert client.get(reverse(f"reporting:{name}", args=[episode.pk])).status_code == 200, name


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CALLER, Role.AUDITOR, Role.PARTNER, Role.VOLUNTEER])
def test_other_roles_get_a_404(client, role):
    episode = episode_with(starts_on=START, ends_on=END)
    _signed_in(client, role)
    for name in ("episode_report", "episode_report_pdf", "episode_report_xlsx"):
        assert client.get(reverse(f"reporting:{name}", args=[episode.pk])).status_code == 404, name
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_unknown_episode_is_a_404_and_a_post_is_refused(client):
    _signed_in(client, Role.COORDINATOR)
    assert client.get(reverse("reporting:episode_report", args=[999999])).status_code == 404
    episode = episode_with(starts_on=START)
    assert client.post(reverse("reporting:episode_report", args=[episode.pk])).status_code == 405


def test_the_episode_page_links_to_its_report(client):
    episode = episode_with(starts_on=START)
    _signed_in(client, Role.REGISTER_OFFICER)
    response = client.get(reverse("campaigns:episode_detail", args=[episode.pk]))
    assert reverse("reporting:episode_report", args=[episode.pk]) in response.content.decode()
