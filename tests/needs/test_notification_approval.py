"""Telling volunteers about a need: confirmed first, and a partner's send above the town's
threshold waits for a coordinator, who approves or refuses it; the partner is told."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.confirmation import confirmation_token, post_and_confirm
from tests.factories import TownFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.needs import ShiftFactory, SignupFactory
from tests.factories.partners import OrganisationFactory, partner_of
from villesolidaire.accounts.enums import Role
from villesolidaire.core.choices import AVAILABILITY, ENGAGEMENT_DOMAINS
from villesolidaire.core.confirmation import SendNotConfirmed
from villesolidaire.needs.models import NeedInvitation, NeedNotification, NotificationStatus, SignupStatus
from villesolidaire.needs.services import NeedError, need_notify_preview, need_notify_request
from villesolidaire.notifications.models import Message


def volunteers(count):
    return [
        VolunteerFactory(
            active=True,
            domains=ENGAGEMENT_DOMAINS.bit_of("solidarity"),
            availability=AVAILABILITY.bit_of("sat_am"),
            max_distance_km=3,
        )
        for _ in range(count)
    ]


@pytest.fixture
def partner_need():
    organisation = OrganisationFactory(name="Banque alimentaire")
    shift = ShiftFactory(need__organisation=organisation, need__title="Collecte")
    return shift.need


@pytest.fixture
def partner(client, partner_need):
    user = partner_of(partner_need.organisation)
    login_staff(client, user)
    return user


def notify_url(space, need):
    return reverse(f"needs:{space}_notify", args=[need.pk])


def test_the_send_service_refuses_without_confirmation(partner_need):
    TownFactory()
    volunteers(3)
    with pytest.raises(SendNotConfirmed):
        need_notify_request(need=partner_need, by=staff_user(), confirmation="")
    with pytest.raises(SendNotConfirmed):
        need_notify_request(need=partner_need, by=staff_user(), confirmation="bricolé")
    assert not NeedNotification.objects.exists() and not NeedInvitation.objects.exists()


def test_below_the_threshold_a_partners_send_leaves_after_confirmation(
    client, partner, partner_need, django_capture_on_commit_callbacks
):
    TownFactory(need_notification_approval_threshold=5)
    volunteers(3)
    page = client.post(notify_url("partner", partner_need))
    html = page.content.decode()
    assert "Vous allez envoyer ce message à 3 personnes" in html and "Collecte" in html
    assert not NeedNotification.objects.exists() and not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(notify_url("partner", partner_need), {"confirmation": confirmation_token(page)})
    notification = NeedNotification.objects.get()
    assert notification.status == NotificationStatus.APPROVED and notification.sent_count == 3
    assert Message.objects.filter(kind="need_invitation").count() == 3


def test_above_the_threshold_it_waits_for_a_coordinator_who_approves(
    client, partner, partner_need, django_capture_on_commit_callbacks
):
    TownFactory(need_notification_approval_threshold=2)
    volunteers(4)
    page, response = post_and_confirm(client, notify_url("partner", partner_need), {}, follow=True)
    assert "attend la validation de la coordination" in page.content.decode()
    assert "attend la validation" in response.content.decode()
    notification = NeedNotification.objects.get()
    assert notification.status == NotificationStatus.AWAITING and notification.recipient_count == 4
    assert list(NeedNotification.objects.awaiting_approval()) == [notification]
    assert not Message.objects.filter(kind="need_invitation").exists()
    # A second press while one waits records nothing more.
    again = client.post(notify_url("partner", partner_need), {"confirmation": confirmation_token(page)}, follow=True)
    assert "attend déjà la validation" in again.content.decode() and NeedNotification.objects.count() == 1

    coordinator = staff_user(Role.COORDINATOR)
    login_staff(client, coordinator)
    listing = client.get(reverse("needs:notification_list")).content.decode()
    assert "Collecte" in listing and "4 volontaires" in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("needs:notification_decide", args=[notification.pk]), {"decision": "valider"})
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.APPROVED and notification.decided_by == coordinator
    assert notification.sent_count == 4
    assert Message.objects.filter(kind="need_invitation").count() == 4
    told = Message.objects.get(kind="need_notification_decided")
    assert told.recipient == partner.email and "validé" in told.body
    assert [t.to_status for t in notification.transitions.order_by("at", "pk")] == ["awaiting", "approved"]


def test_a_refusal_needs_a_reason_sends_nothing_and_tells_the_partner(client, partner, partner_need):
    TownFactory(need_notification_approval_threshold=1)
    volunteers(2)
    post_and_confirm(client, notify_url("partner", partner_need), {})
    notification = NeedNotification.objects.get()
    login_staff(client, staff_user(Role.COORDINATOR))
    decide = reverse("needs:notification_decide", args=[notification.pk])
    response = client.post(decide, {"decision": "refuser"}, follow=True)
    assert "Indiquez au partenaire pourquoi" in response.content.decode()
    client.post(decide, {"decision": "refuser", "reason": "Trop de monde pour quatre places."})
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.REFUSED
    assert not Message.objects.filter(kind="need_invitation").exists()
    told = Message.objects.get(kind="need_notification_decided")
    assert "Trop de monde" in told.body
    # Decided once: a second decision is refused.
    response = client.post(decide, {"decision": "valider"}, follow=True)
    assert "déjà été traité" in response.content.decode()


def test_a_coordinators_own_send_never_waits(client, partner_need, django_capture_on_commit_callbacks):
    TownFactory(need_notification_approval_threshold=1)
    volunteers(3)
    login_staff(client, staff_user(Role.COORDINATOR))
    with django_capture_on_commit_callbacks(execute=True):
        post_and_confirm(client, notify_url("staff", partner_need), {})
    assert NeedNotification.objects.get().status == NotificationStatus.APPROVED
    assert Message.objects.filter(kind="need_invitation").count() == 3


def test_approval_pages_are_for_coordinators(client, partner, partner_need):
    notification = NeedNotification.objects.create(need=partner_need, recipient_count=9)
    assert client.get(reverse("needs:notification_list")).status_code == 404
    decide = reverse("needs:notification_decide", args=[notification.pk])
    assert client.post(decide, {"decision": "valider"}).status_code == 404
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING


def fill(shift, *, held: int):
    """`held` places taken (one to confirm, the others confirmed) and one person on the waiting list."""
    statuses = [SignupStatus.PENDING] + [SignupStatus.CONFIRMED] * (held - 1)
    for status in [*statuses[:held], SignupStatus.WAITING]:
        SignupFactory(shift=shift, status=status)


def test_no_send_when_every_upcoming_shift_is_full(client, partner, partner_need):
    TownFactory(need_notification_approval_threshold=5)
    volunteers(3)
    [shift] = partner_need.shifts.all()
    fill(shift, held=shift.places)
    ShiftFactory(need=partner_need, starts_at=timezone.now() - timedelta(days=1))  # past, with room: not counted
    with pytest.raises(NeedError, match="Tous les créneaux sont complets"):
        need_notify_preview(need=partner_need)
    with pytest.raises(NeedError, match="Tous les créneaux sont complets"):
        need_notify_request(need=partner_need, by=partner, confirmation="")
    response = client.post(notify_url("partner", partner_need), follow=True)
    assert "Tous les créneaux sont complets" in response.content.decode()
    assert "Vous allez envoyer" not in response.content.decode()
    assert not NeedNotification.objects.exists() and not Message.objects.filter(kind="need_invitation").exists()
    # One more shift with room: the send is possible again.
    ShiftFactory(need=partner_need, starts_at=shift.starts_at + timedelta(days=7))
    assert need_notify_preview(need=partner_need).count == 3


def test_the_approval_page_shows_the_text_and_the_fill_and_refuses_a_need_filled_meanwhile(
    client, partner, partner_need
):
    TownFactory(need_notification_approval_threshold=1)
    volunteers(2)
    [shift] = partner_need.shifts.all()
    fill(shift, held=2)
    post_and_confirm(client, notify_url("partner", partner_need), {})
    notification = NeedNotification.objects.get()
    login_staff(client, staff_user(Role.COORDINATOR))
    listing = client.get(reverse("needs:notification_list")).content.decode()
    assert "Besoin de volontaires : Collecte" in listing and "[lien personnel]" in listing
    assert f"{shift} : 2 places prises sur 3" in listing and "complet</span>" not in listing
    SignupFactory(shift=shift, status=SignupStatus.CONFIRMED)  # the last place goes meanwhile
    listing = client.get(reverse("needs:notification_list")).content.decode()
    assert f"{shift} : 3 places prises sur 3" in listing and "complet</span>" in listing
    assert "Cet envoi ne peut pas être validé" in listing
    decide = reverse("needs:notification_decide", args=[notification.pk])
    response = client.post(decide, {"decision": "valider"}, follow=True)
    assert "Tous les créneaux sont complets" in response.content.decode()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.AWAITING
    assert not Message.objects.filter(kind__in=["need_invitation", "need_notification_decided"]).exists()


def test_approval_list_query_count_does_not_grow(client, coordinator, django_assert_max_num_queries):
    def awaiting(count):
        for _ in range(count):
            shift = ShiftFactory(need__organisation=OrganisationFactory())
            SignupFactory(shift=shift)
            ShiftFactory(need=shift.need, starts_at=shift.starts_at + timedelta(days=1))
            NeedNotification.objects.create(need=shift.need, recipient_count=9)

    awaiting(1)
    client.get(reverse("needs:notification_list"))
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("needs:notification_list"))
    awaiting(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("needs:notification_list")).content.decode()
    assert "6 envois en attente" in html
