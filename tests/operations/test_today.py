"""« Veille du jour »: what needs action now, scoped to the role, at a constant query count."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.campaigns import campaign_for
from tests.factories.crises import EpisodeFactory
from tests.factories.needs import ShiftFactory, SignupFactory
from tests.factories.neighbours import NetworkFactory
from tests.factories.register import RegisterEntryFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.campaigns.enums import TargetStatus
from villesolidaire.campaigns.models import CallTarget
from villesolidaire.help_requests.enums import Status, Urgency
from villesolidaire.matching.models import Proposal
from villesolidaire.missions.models import RescheduleRequest
from villesolidaire.needs.models import NeedNotification
from villesolidaire.neighbours.models import Alert
from villesolidaire.notifications.models import CallTask, Message, MessageStatus

TODAY = reverse("operations:today")
NAV = reverse("operations:nav_counts")


def _count(html: str, key: str) -> int | None:
    """The count shown for one kind of work, or None when the role does not see it."""
    found = re.search(rf'id="veille-{key}".*?<strong>(\d+)</strong>', html, re.S)
    if found:
        return int(found.group(1))
    return 0 if re.search(rf'id="veille-{key}"[^>]*>[^<]*: rien à traiter', html) else None


def _work(n: int = 1) -> None:
    """n of each kind of work a coordinator sees."""
    now = timezone.now()
    coordinator = staff_user(Role.COORDINATOR)
    for _ in range(n):
        HelpRequestFactory(urgency=Urgency.CRITICAL)
        resident = ResidentFactory()
        CallTask.objects.create(resident=resident, reason="Informer du soutien", kind="support_info")
        request = HelpRequestFactory(status=Status.SEARCHING)
        Proposal.objects.create(
            help_request=request, created_by=coordinator, expires_at=now - datetime.timedelta(hours=2)
        )
        VolunteerFactory()  # registered: waits for validation
        network = NetworkFactory()
        Alert.objects.create(network=network, raised_by=network.referent, text="Volets fermés depuis hier")
        Message.objects.create(
            channel="sms", recipient="+33612345678", body="…", kind="test", status=MessageStatus.FAILED
        )
        shift = ShiftFactory(starts_at=now + datetime.timedelta(days=2), places=3)
        SignupFactory(shift=shift)
        NeedNotification.objects.create(need=shift.need, recipient_count=80)  # a partner's big send
        mission = MissionFactory(scheduled_at=now + datetime.timedelta(days=1))
        RescheduleRequest.objects.create(mission=mission, wished_at=now + datetime.timedelta(days=3))


KEYS = (
    "urgent_requests",
    "call_tasks",
    "expired_proposals",
    "reschedule_requests",
    "volunteers_to_validate",
    "need_notifications_to_approve",
    "neighbour_alerts",
    "failed_messages",
    "shifts_not_full",
)


def test_a_coordinator_lands_on_the_operations_view_and_sees_each_kind_of_work_counted(client):
    _work(2)
    login_staff(client, staff_user(Role.COORDINATOR))
    home = client.get(reverse("core:home"))
    assert home["Location"] == TODAY
    html = client.get(TODAY).content.decode()
    assert {key: _count(html, key) for key in KEYS} == dict.fromkeys(KEYS, 2)
    # Register work is not the coordinator's: not even its count.
    assert _count(html, "calls_late_or_escalated") is None


def test_counts_go_down_as_work_is_done(client):
    _work(1)
    login_staff(client, staff_user(Role.COORDINATOR))
    assert _count(client.get(TODAY).content.decode(), "urgent_requests") == 1
    HelpRequestFactory(urgency=Urgency.HIGH, status=Status.SUPPORTED)  # handled: not counted
    Message.objects.update(status=MessageStatus.SENT)
    html = client.get(TODAY).content.decode()
    assert _count(html, "urgent_requests") == 1
    assert _count(html, "failed_messages") == 0
    assert "Messages en échec : rien à traiter" in html


def test_an_operator_sees_the_desk_work_only(client):
    _work(1)
    login_staff(client, staff_user(Role.OPERATOR))
    html = client.get(TODAY).content.decode()
    assert _count(html, "urgent_requests") == 1 and _count(html, "call_tasks") == 1
    for key in ("volunteers_to_validate", "failed_messages", "expired_proposals", "calls_late_or_escalated"):
        assert _count(html, key) is None, key


@pytest.mark.parametrize("role", [Role.CALLER, Role.PARTNER, Role.AUDITOR, Role.VOLUNTEER])
def test_roles_without_a_desk_get_a_404_on_the_view_and_its_counts(client, role):
    login_staff(client, staff_user(role))
    assert client.get(TODAY).status_code == 404
    assert client.get(NAV).status_code == 404


def test_the_counts_fragment_needs_a_verified_session(client):
    assert client.get(NAV).status_code == 404
    user = staff_user(Role.COORDINATOR)
    client.force_login(user)  # password only, no second factor
    assert client.get(NAV).status_code == 404
    login_staff(client, user)
    assert client.post(NAV).status_code == 405


def test_the_navigation_counts_come_in_one_fragment_that_fills_each_link(client):
    _work(3)
    login_staff(client, staff_user(Role.COORDINATOR))
    page = client.get(reverse("help_requests:list")).content.decode()
    for slot in ("requests", "call_tasks", "supports", "volunteers", "needs", "neighbours", "failures"):
        assert f'id="nav-count-{slot}"' in page
    assert f'hx-get="{NAV}"' in page
    fragment = client.get(NAV).content.decode()
    assert re.search(r'id="nav-count-requests"[^>]*hx-swap-oob="true"><span class="nav-count">3<', fragment)
    assert re.search(r'id="nav-count-volunteers"[^>]*hx-swap-oob="true"><span class="nav-count">3<', fragment)
    assert re.search(r'id="nav-count-neighbours"[^>]*hx-swap-oob="true"><span class="nav-count">3<', fragment)
    # The total is the page's sum: nine kinds of work, three of each.
    assert re.search(r'^<span class="nav-count">27<', fragment)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TODAY).status_code == 200
    return len(queries)


def test_the_view_costs_the_same_queries_with_one_or_many_items(client):
    officer = staff_user(Role.COORDINATOR)
    login_staff(client, officer)
    _work(1)
    one = _queries(client)
    _work(6)
    # Session, user, second factor, town; two per kind shown with rows, one per other kind.
    assert _queries(client) == one == 19


def _targets(campaign, **statuses) -> None:
    rows = list(CallTarget.objects.filter(campaign=campaign).order_by("pk"))
    position = 0
    for status, n in statuses.items():
        for target in rows[position : position + n]:
            target.status = status
            target.save()
        position += n


def test_during_an_episode_its_progress_is_on_top_for_the_desk_and_the_register(client):
    episode = EpisodeFactory(starts_on=timezone.localdate(), level="red")
    for _ in range(4):
        RegisterEntryFactory()
    campaign = campaign_for(episode, now=timezone.now())
    _targets(campaign, **{TargetStatus.REACHED: 2, TargetStatus.ESCALATED: 1})
    for role in (Role.COORDINATOR, Role.REGISTER_OFFICER):
        login_staff(client, staff_user(role))
        html = client.get(TODAY).content.decode()
        assert "Vigilance rouge" in html
        assert "<strong>50 %</strong> des personnes à appeler ont été jointes" in html
        assert re.search(r"<dt>En escalade</dt><dd>1</dd>", html)
        assert re.search(r"<dt>À appeler</dt><dd>1</dd>", html)
    # The register officer also sees the campaign with people escalated, linked to its list.
    assert _count(html, "calls_late_or_escalated") == 1
    assert reverse("campaigns:unreached", args=[campaign.pk]) in html


@pytest.mark.parametrize("key", ["expired_proposals", "reschedule_requests", "shifts_not_full"])
def test_each_count_with_rows_links_to_the_full_list(client, key):
    _work(7)
    login_staff(client, staff_user(Role.COORDINATOR))
    html = client.get(TODAY).content.decode()
    listed = reverse("operations:listed", args=[key])
    assert listed in html
    page = client.get(listed).content.decode()
    assert page.count('<li><a href="') >= 7  # every row, not the five of the operations view


def test_the_full_lists_are_scoped_like_the_view(client):
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse("operations:listed", args=["expired_proposals"])).status_code == 404
    login_staff(client, staff_user(Role.COORDINATOR))
    assert client.get(reverse("operations:listed", args=["failed_messages"])).status_code == 404
    assert client.get(reverse("operations:listed", args=["inconnu"])).status_code == 404


def test_a_register_officer_sees_the_campaign_count_beside_its_link(client):
    episode = EpisodeFactory(starts_on=timezone.localdate())
    RegisterEntryFactory()
    campaign = campaign_for(episode, now=timezone.now())
    _targets(campaign, **{TargetStatus.ESCALATED: 1})
    login_staff(client, staff_user(Role.REGISTER_OFFICER))
    fragment = client.get(NAV).content.decode()
    assert re.search(r'id="nav-count-campaigns"[^>]*hx-swap-oob="true"><span class="nav-count">1<', fragment)
    assert re.search(r'^<span class="nav-count">1<', fragment)
