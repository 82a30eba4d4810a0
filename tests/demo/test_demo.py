import csv
import datetime
import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from freezegun import freeze_time

from villesolidaire.accounts.demo import DEMO_PASSWORD
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.demo.town import seed_demo
from villesolidaire.help_requests.models import HelpRequest, HelpRequestTransition
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.missions.enums import MissionStatus
from villesolidaire.missions.models import Mission, MissionTransition, Support
from villesolidaire.notifications.models import CallTask, Message
from villesolidaire.register.models import EntryStatus, Ground, Origin, RegisterEntry, RegisterExtras
from villesolidaire.reporting.selectors import dashboard
from villesolidaire.residents.models import Resident
from villesolidaire.territory.demo import BAN_COLUMNS, INSEE_CODE
from villesolidaire.territory.geocoding import quartier_for
from villesolidaire.territory.models import BanAddress, Quartier, Town
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer, VolunteerStatusChange

TODAY = timezone.localdate()


@pytest.fixture
def demo(tmp_path):
    return seed_demo(7, today=TODAY, var_dir=tmp_path)


def signature(summary) -> dict:
    """What must be identical for one seed: counts, names, statuses, places, the address file."""
    return {
        "counts": summary.counts,
        "volunteers": list(
            Volunteer.objects.order_by("created_at", "email").values_list(
                "first_name", "last_name", "email", "status", "quartier__code", "latitude"
            )
        ),
        "residents": list(
            Resident.objects.order_by("last_name", "first_name", "birth_year").values_list(
                "first_name", "last_name", "birth_year", "quartier__code"
            )
        ),
        "missions": list(Mission.objects.order_by("scheduled_at", "status").values_list("scheduled_at", "status")),
        "supports": list(
            Support.objects.order_by("started_at").values_list("started_at", "volunteer__email", "resident__last_name")
        ),
        "figures": dashboard().totals,
        "ban_file": hashlib.sha256(summary.ban_file.read_bytes()).hexdigest(),
        "register": sorted(
            (e.last_name, e.first_names, e.birth_date, e.status, e.quartier_id is not None)
            for e in RegisterEntry.objects.all()
        ),
    }


def test_same_seed_gives_the_same_town(tmp_path):
    signatures = []
    for run in range(2):
        # Each run in a transaction rolled back afterwards: two fresh databases.
        with transaction.atomic():
            signatures.append(signature(seed_demo(7, today=TODAY, var_dir=tmp_path / str(run))))
            transaction.set_rollback(True)
    assert signatures[0] == signatures[1]
    with transaction.atomic():
        other = signature(seed_demo(8, today=TODAY, var_dir=tmp_path / "other"))
        transaction.set_rollback(True)
    assert other["volunteers"] != signatures[0]["volunteers"]


def test_counts_meet_the_targets(demo):
    assert Town.objects.get().insee_code == INSEE_CODE
    assert Quartier.objects.count() == 8
    assert Volunteer.objects.count() == 500
    assert Volunteer.objects.filter(status=Status.ACTIVE).count() == 400
    assert Volunteer.objects.filter(status=Status.WITHDRAWN, anonymised_at__isnull=False).count() == 25
    assert Resident.objects.count() == 170
    assert Support.objects.count() == 230
    assert Mission.objects.count() == 400
    done = Mission.objects.filter(status=MissionStatus.DONE).count()
    assert 320 <= done < 400
    assert set(Mission.objects.values_list("status", flat=True)) == set(MissionStatus.values)
    # 260 from the core loop, plus one raised by a neighbour network's alert.
    assert HelpRequest.objects.count() == 261
    assert VolunteerMatchProfile.objects.filter(is_eligible=True).count() == 400
    assert RecruitmentCall.objects.open_now().count() == 1
    assert Message.objects.count() > 0 and CallTask.objects.count() > 0
    # Every mission, request and volunteer has its logged history.
    assert MissionTransition.objects.filter(from_status="").count() == 400
    assert HelpRequestTransition.objects.filter(from_status="").count() == 261
    assert VolunteerStatusChange.objects.filter(from_status="").count() == 500
    # Missions spread over about ten months.
    first = Mission.objects.order_by("scheduled_at").first().scheduled_at.date()
    assert (TODAY - first).days > 240


def test_dashboard_matches_direct_counts_on_the_demo_town(demo):
    from villesolidaire.help_requests.models import HelpRequest
    from villesolidaire.needs.models import ShiftSignup

    done = Mission.objects.filter(status=MissionStatus.DONE)
    attended = ShiftSignup.objects.filter(attended=True)
    mobilised = set(done.values_list("support__volunteer", flat=True)) | set(
        attended.values_list("volunteer", flat=True)
    )
    assert dashboard().totals == {
        "registered": 500,
        "active": 400,
        "mobilised": len(mobilised),
        "missions_done": done.count(),
        "residents_helped": HelpRequest.objects.values("resident").distinct().count(),
        "supports": 230,
        "requests": HelpRequest.objects.count(),
        "mission_hours": sum(m.duration_minutes or 0 for m in done) / 60,
        "participations": attended.count(),
        "shift_hours": float(sum(signup.hours for signup in attended)),
    }
    assert 150 <= dashboard().total("mobilised") <= 230
    assert 140 <= dashboard().total("residents_helped") <= 170


def test_addresses_come_from_a_ban_format_file(demo):
    with demo.ban_file.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == BAN_COLUMNS and len(BAN_COLUMNS) == 23
    assert all(len(row) == 23 for row in rows)
    assert BanAddress.objects.filter(code_insee=INSEE_CODE).count() == len(rows) - 1 > 1000
    assert len({row[4] for row in rows[1:]}) == 60
    # Volunteers and residents live at imported addresses, in the quartier the geocoder gives.
    volunteer = Volunteer.objects.filter(is_located=True).order_by("created_at").first()
    ban = BanAddress.objects.get(ban_id=volunteer.ban_id)
    assert (ban.latitude, ban.longitude) == (volunteer.latitude, volunteer.longitude)
    assert quartier_for(volunteer.latitude, volunteer.longitude) == volunteer.quartier
    assert not Resident.objects.filter(quartier__isnull=True).exists()


def test_demo_register_is_plausible_and_lawful(demo):
    entries = list(RegisterEntry.objects.select_related("extras").all())
    assert len(entries) == 300
    by_status = {status: sum(1 for e in entries if e.status == status) for status in EntryStatus.values}
    assert by_status[EntryStatus.REGISTERED] >= 240 and by_status[EntryStatus.RECEIVED] >= 10
    assert 5 <= by_status[EntryStatus.REMOVED] <= 25
    today = TODAY
    for entry in entries:
        if entry.status == EntryStatus.REMOVED:
            # Removal erases personal data and keeps the trace (R121-11).
            assert entry.last_name == "" and entry.birth_date is None and entry.removal_reason
            assert not hasattr(entry, "extras") or entry.extras is None
            continue
        age = entry.age_on(today)
        assert age >= {Ground.AGE_65: 65, Ground.AGE_60_UNFIT: 60, Ground.DISABLED_ADULT: 18}[entry.ground]
        assert bool(entry.disability_benefit) == (entry.ground == Ground.DISABLED_ADULT)
        assert entry.phone_index and entry.last_name_index and entry.quartier_id
        if entry.origin == Origin.THIRD_PARTY:
            assert entry.third_party_name and entry.third_party_capacity
    assert RegisterEntry.objects.filter(origin=Origin.DEPARTEMENT, status=EntryStatus.RECEIVED).exists()
    assert RegisterExtras.objects.filter(lives_alone=True).count() >= 30
    sample = next(e for e in entries if e.status == EntryStatus.REGISTERED)
    assert list(RegisterEntry.objects.matching_phone(sample.phone)) == [sample]


def test_demo_has_a_past_heatwave_campaign_and_an_accredited_caller(demo):
    from villesolidaire.campaigns.enums import CampaignStatus, TargetStatus
    from villesolidaire.campaigns.models import CallAttempt, Campaign, EscalationStep
    from villesolidaire.campaigns.services.accreditations import is_accredited

    campaign = Campaign.objects.get(episode__kind="heatwave")
    assert campaign.status == CampaignStatus.CLOSED and campaign.episode.ends_on < TODAY
    registered = RegisterEntry.objects.filter(status=EntryStatus.REGISTERED).count()
    assert campaign.targets.count() == campaign.targets_count == registered
    assert not campaign.targets.filter(status=TargetStatus.PENDING).exists()
    assert CallAttempt.objects.filter(target__campaign=campaign).count() > registered
    assert EscalationStep.objects.filter(target__campaign=campaign, done_at__isnull=False).count() >= 5
    caller = User.objects.get(email="appelant@demo.invalid")
    assert is_accredited(caller)


def test_a_new_campaign_in_the_demo_shows_what_the_last_one_noted(demo):
    """The recent cold spell's call log outlives the purge a `make run` starts with, so a caller of
    a new campaign sees « Campagne précédente » and the callers' notes."""
    from django.core.management import call_command

    from villesolidaire.campaigns.models import CallAttempt, Campaign
    from villesolidaire.campaigns.selectors import previous_campaign_attempts

    call_command("purge_campaign_call_logs", verbosity=0)
    cold = Campaign.objects.get(episode__kind="cold")
    assert cold.isolated_only and cold.targets.count() >= 10
    noted = CallAttempt.objects.filter(target__campaign=cold).exclude(notes="").select_related("target__entry")
    assert noted.exists()
    entry = noted.first().target.entry
    previous = previous_campaign_attempts(entry, campaign=None)
    assert previous["campaign"] == cold and any(a.notes for a in previous["attempts"])


def test_demo_has_partners_trainings_needs_and_neighbour_networks(demo):
    from villesolidaire.needs.models import Need, ShiftSignup
    from villesolidaire.neighbours.models import Network
    from villesolidaire.partners.models import Organisation, OrganisationStatus, Service
    from villesolidaire.trainings.models import TrainingModule, TrainingSession, VolunteerTraining

    assert 35 <= Organisation.objects.count() <= 45
    validated = Organisation.objects.filter(status=OrganisationStatus.VALIDATED)
    assert Service.objects.filter(organisation__in=validated).count() >= validated.count()
    assert len(set(Organisation.objects.values_list("type", flat=True))) >= 5
    assert TrainingModule.objects.count() == 2
    assert TrainingSession.objects.filter(starts_at__gt=timezone.now()).exists()
    assert VolunteerTraining.objects.exists()
    assert Need.objects.filter(shifts__isnull=False).distinct().count() >= 3
    assert ShiftSignup.objects.filter(attended=True).exists()
    assert 3 <= Network.objects.count() <= 6
    assert demo.counts["organisations partenaires"] == Organisation.objects.count()


def test_seed_is_query_light(tmp_path):
    with CaptureQueriesContext(connection) as queries:
        seed_demo(3, today=TODAY, var_dir=tmp_path)
    # Bulk writes: the count does not follow the ~7,500 rows written (BAN import excepted).
    # About 90 of them make the ~40 partners, 2 training modules, 5 needs and 4 neighbour networks.
    assert len(queries) < 400


def test_command_if_empty_keeps_existing_data(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", "--seed", "5", stdout=out)
    assert "volontaires : 500" in out.getvalue()
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "données de démonstration conservées" in out.getvalue()
    assert Volunteer.objects.count() == 500
    assert (tmp_path / "demo" / f"adresses-{INSEE_CODE}.csv").exists()


def _codes(output: str, email: str) -> list[str]:
    lines = output.splitlines()
    index = next(i for i, line in enumerate(lines) if email in line)
    return lines[index + 1].split(":", 1)[1].split()


def test_demo_logins_print_working_accounts(client, demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    assert DEMO_PASSWORD in text
    for email in [
        "coordinatrice@demo.invalid",
        "operateur@demo.invalid",
        "admin@demo.invalid",
        "volontaire1@demo.invalid",
        "partenaire@demo.invalid",
    ]:
        assert email in text
    assert "jeton=" in text
    codes = _codes(text, "coordinatrice@demo.invalid")
    assert len(codes) >= 3

    # The printed password and a printed backup code open the coordinator's dashboard.
    response = client.post(
        reverse("accounts:login"), {"username": "coordinatrice@demo.invalid", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    response = client.post(reverse("accounts:otp"), {"otp_token": codes[0], "next": reverse("reporting:dashboard")})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:dashboard")

    # Codes are single-use: once fewer than three remain, the next run prints fresh ones.
    coordinator = User.objects.get(email="coordinatrice@demo.invalid")
    StaticToken.objects.filter(device__user=coordinator).exclude(token=codes[1]).delete()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    new_codes = _codes(out.getvalue(), "coordinatrice@demo.invalid")
    assert len(new_codes) >= 3 and codes[1] in new_codes and codes[0] not in new_codes
    assert coordinator.has_role(Role.COORDINATOR)
    admin = User.objects.get(email="admin@demo.invalid")
    assert admin.is_superuser and admin.is_staff and admin.has_role(Role.ADMIN)


def test_demo_volunteers_sign_in_with_the_mobile_demo_logins_prints(client, demo):
    """Their mobiles are ARCEP fiction numbers (06 39 98 …): the sign-in by mobile takes them."""
    out = StringIO()
    call_command("demo_logins", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "volontaire1@demo.invalid" in line)
    assert " ou 06 39 98 " in line
    typed = line.rsplit(" ou ", 1)[1]
    volunteer = Volunteer.objects.get(email="volontaire1@demo.invalid")
    response = client.post(reverse("volunteers:magic_link_request"), {"contact": typed})
    assert response.status_code == 302
    message = Message.objects.get(kind="volunteer_magic_link")
    assert message.recipient == volunteer.phone.as_e164 == "+" + "33" + typed.replace(" ", "")[1:]


def test_demo_work_is_linked_to_the_crisis_episodes_of_its_dates(demo):
    """What was raised during the heatwave or the cold spell (both over the whole town) counts
    under it, by the services' rule: a request by its day, a support with its request, a mission by
    its day, else with its support. How many fall in the two four-day windows depends on the day
    the town is seeded (about ten requests and twenty missions together)."""
    from villesolidaire.crises.models import Episode

    episodes = list(Episode.objects.all())
    assert len(episodes) == 2

    def ongoing(moment):
        day = timezone.localdate(moment)
        return next(
            (e.pk for e in sorted(episodes, key=lambda e: e.starts_on, reverse=True) if e.is_ongoing(day)), None
        )

    requests = list(HelpRequest.objects.all())
    assert all(r.episode_id == ongoing(r.created_at) for r in requests)
    for support in Support.objects.select_related("help_request"):
        assert support.episode_id == support.help_request.episode_id
    missions = list(Mission.objects.select_related("support"))
    assert all(m.episode_id == (ongoing(m.scheduled_at) or m.support.episode_id) for m in missions)
    linked = sum(1 for r in requests if r.episode_id) + sum(1 for m in missions if m.episode_id)
    assert linked > 0


# What a seeded town may date after now: what is planned, and when an offer or a call ends.
UPCOMING_FIELDS = {"scheduled_at", "starts_at", "ends_at", "expires_at", "closes_at"}


@pytest.mark.parametrize("hour", [datetime.time(2, 30), datetime.time(13, 10)])
def test_seeded_at_any_hour_nothing_that_happened_is_dated_after_now(settings, tmp_path, hour):
    """Seeded at 02:30, the demo showed requests, proposals, missions done and trainings dated
    later today (it was anchored at noon), and at 13:10 sign-ups of this evening: every date of
    something that happened is now or before."""
    settings.VAR_DIR = tmp_path
    night = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), hour))
    if night > timezone.now():
        night -= datetime.timedelta(days=1)
    dated = [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField) and field.name not in UPCOMING_FIELDS
    ]
    already_there = {model: set(model._base_manager.values_list("pk", flat=True)) for model, _name in dated}
    with freeze_time(night):
        call_command("seed_demo", stdout=StringIO())
    later = {
        f"{model._meta.label}.{name}": count
        for model, name in dated
        if (count := model._base_manager.filter(**{f"{name}__gt": night}).exclude(pk__in=already_there[model]).count())
    }
    assert later == {}
    assert Mission.objects.filter(scheduled_at__gt=night).exists()  # what is planned is still to come
