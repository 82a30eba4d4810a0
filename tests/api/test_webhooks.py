"""Webhooks: signed deliveries to a local receiver, only what the key may read, retries after a
failing receiver, replay, the five events, and the administrators' page."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.api.conftest import make_key
from tests.factories import (
    HelpRequestFactory,
    MissionFactory,
    ResidentFactory,
    SupportFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from tests.factories.campaigns import campaign_for
from tests.factories.crises import episode_with
from tests.factories.needs import NeedFactory, ShiftFactory
from tests.factories.partners import OrganisationFactory
from tests.factories.register import RegisterEntryFactory
from tests.fake_server import closed_port_url
from villesolidaire.accounts.enums import Role
from villesolidaire.api import signing
from villesolidaire.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from villesolidaire.api.services import webhook_replay, webhook_subscribe
from villesolidaire.api.tasks import MAX_ATTEMPTS
from villesolidaire.campaigns.enums import TargetStatus
from villesolidaire.campaigns.models import CallTarget
from villesolidaire.campaigns.services.target_status import set_target_status
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.services import help_request_create
from villesolidaire.missions.services import mission_report, support_create
from villesolidaire.needs.services import signup_create

ALL_EVENTS = [value for value, _label in WebhookEvent.choices]


def subscribe(url, *, role=Role.COORDINATOR, scopes=None, events=ALL_EVENTS, organisation=None):
    issued = make_key(role=role, organisation=organisation, **({"scopes": scopes} if scopes is not None else {}))
    return webhook_subscribe(key=issued.key, url=url, events=events, by=staff_user(Role.ADMIN))


def make_due(delivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def new_request(on_commit, **kwargs):
    resident = ResidentFactory(first_name="Germaine", last_name="Secretnom", phone="+33199007777")
    with on_commit(execute=True):
        return help_request_create(
            resident=resident,
            data={"category": kwargs.pop("category"), "description": "Courses."},
            channel=Channel.HOTLINE,
            by=None,
        )


def test_a_new_request_is_posted_signed_without_personal_data(
    fake_server, django_capture_on_commit_callbacks, category
):
    receiver = fake_server([(204, b"")])
    issued = subscribe(f"{receiver.url}/evenements", events=[WebhookEvent.REQUEST_CREATED])
    help_request = new_request(django_capture_on_commit_callbacks, category=category)
    [posted] = receiver.requests
    assert posted.method == "POST" and posted.path == "/evenements"
    assert posted.headers["x-vs-event"] == "help_request.created"
    assert signing.verify(issued.secret, posted.headers["x-vs-signature"], posted.body, now=int(time.time()))
    assert not signing.verify("whsec_autre", posted.headers["x-vs-signature"], posted.body, now=int(time.time()))
    body = posted.json()
    assert body["event"] == "help_request.created" and body["data"]["id"] == help_request.pk
    assert body["data"]["url"] == f"/api/v1/help-requests/{help_request.pk}/"
    for personal in ("Germaine", "Secretnom", "99007777", "1 rue de la Paix"):
        assert personal not in posted.body.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_status == 204
    assert str(delivery.pk) == posted.headers["x-vs-delivery"] and body["delivery"] == delivery.pk


def test_an_old_or_tampered_signature_is_refused_by_the_receivers_check():
    body = b'{"event":"mission.done"}'
    header = signing.signature("whsec_s", 1_000_000, body)
    assert signing.verify("whsec_s", header, body, now=1_000_100)
    assert not signing.verify("whsec_s", header, body, now=1_000_000 + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify("whsec_s", header, body + b" ", now=1_000_100)
    assert not signing.verify("whsec_s", "n'importe quoi", body, now=1_000_100)


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        (Role.COORDINATOR, ["needs:read"]),  # no scope for requests
        (Role.OFFICIAL, ["help_requests:read"]),  # the role reads no request on the pages
    ],
)
def test_a_key_that_could_not_read_the_request_is_not_told(
    fake_server, django_capture_on_commit_callbacks, category, role, scopes
):
    receiver = fake_server([(200, {})])
    subscribe(receiver.url, role=role, scopes=scopes)
    new_request(django_capture_on_commit_callbacks, category=category)
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_tried_again_until_it_answers(fake_server, django_capture_on_commit_callbacks, category):
    receiver = fake_server([(500, {}), (503, {}), (200, {})])
    subscribe(receiver.url, events=[WebhookEvent.REQUEST_CREATED])
    new_request(django_capture_on_commit_callbacks, category=category)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    assert delivery.last_error == "Réponse HTTP 500"
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)  # a minute later
    call_command("retry_webhooks", stdout=open("/dev/null", "w"))  # not due yet
    assert len(receiver.requests) == 1
    for _ in range(2):
        make_due(delivery)
        call_command("retry_webhooks", stdout=open("/dev/null", "w"))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3 and len(receiver.requests) == 3
    # Each attempt carries the same event, signed again.
    assert len({request.body for request in receiver.requests}) == 1


def test_an_unreachable_receiver_ends_in_failure_after_the_last_attempt(django_capture_on_commit_callbacks, category):
    subscribe(closed_port_url(), events=[WebhookEvent.REQUEST_CREATED])
    new_request(django_capture_on_commit_callbacks, category=category)
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        make_due(delivery)
        call_command("retry_webhooks", stdout=open("/dev/null", "w"))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert "injoignable" in delivery.last_error and delivery.next_attempt_at is None


def test_replay_sends_the_same_event_again_as_a_new_delivery(
    fake_server, django_capture_on_commit_callbacks, category
):
    receiver = fake_server([(200, {})])
    subscribe(receiver.url, events=[WebhookEvent.REQUEST_CREATED])
    new_request(django_capture_on_commit_callbacks, category=category)
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = webhook_replay(delivery=first, by=staff_user(Role.ADMIN))
    again.refresh_from_db()
    assert again.replay_of == first and again.status == DeliveryStatus.DELIVERED
    assert [request.json()["data"] for request in receiver.requests] == [first.payload["data"]] * 2
    assert [request.json()["delivery"] for request in receiver.requests] == [first.pk, again.pk]


def test_the_other_events(fake_server, django_capture_on_commit_callbacks, category):
    receiver = fake_server([(200, {})])
    organisation = OrganisationFactory()
    subscribe(receiver.url)  # a coordinator's key with every scope
    partner = subscribe(receiver.url, role=Role.PARTNER, organisation=organisation, events=[WebhookEvent.NEED_FULL])
    help_request = HelpRequestFactory(category=category)
    volunteer = VolunteerFactory(active=True)
    with django_capture_on_commit_callbacks(execute=True):
        support = support_create(help_request=help_request, volunteer=volunteer, started_at=timezone.now(), by=None)
    mission = MissionFactory(support=SupportFactory(), scheduled_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        mission_report(mission=mission, done=True, by=None, duration_minutes=40)
    RegisterEntryFactory(last_name="Registrenom")
    target = CallTarget.objects.filter(campaign=campaign_for(episode_with())).first()
    with django_capture_on_commit_callbacks(execute=True):
        set_target_status(target, TargetStatus.ESCALATED, by=None, at=timezone.now())
    shift = ShiftFactory(need=NeedFactory(organisation=organisation), places=1)
    with django_capture_on_commit_callbacks(execute=True):
        signup_create(shift=shift, volunteer=VolunteerFactory(active=True))
    events = [(request.headers["x-vs-event"], request.json()["data"]) for request in receiver.requests]
    assert events[0] == (
        "support.started",
        {
            "id": support.pk,
            "help_request": help_request.pk,
            "kind": support.kind,
            "url": f"/api/v1/supports/{support.pk}/",
        },
    )
    assert (
        events[1][0] == "mission.done" and events[1][1]["id"] == mission.pk and events[1][1]["duration_minutes"] == 40
    )
    assert events[2] == (
        "call.escalated",
        {
            "campaign": target.campaign_id,
            "episode": target.campaign.episode_id,
            "url": f"/api/v1/campaigns/{target.campaign_id}/",
        },
    )
    assert [event for event, _data in events[3:]] == ["need.full", "need.full"]  # the coordinator's and the partner's
    assert "Registrenom" not in b"".join(request.body for request in receiver.requests).decode()
    assert WebhookDelivery.objects.filter(subscription=partner.subscription).count() == 1


def test_a_partner_key_is_not_told_of_another_partners_need(fake_server, django_capture_on_commit_callbacks):
    receiver = fake_server([(200, {})])
    subscribe(receiver.url, role=Role.PARTNER, organisation=OrganisationFactory(), events=[WebhookEvent.NEED_FULL])
    shift = ShiftFactory(need=NeedFactory(organisation=OrganisationFactory()), places=1)
    with django_capture_on_commit_callbacks(execute=True):
        signup_create(shift=shift, volunteer=VolunteerFactory(active=True))
    assert receiver.requests == []


# The administrators' page ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    login_staff(client, staff_user(Role.ADMIN))
    return client


def test_an_administrator_adds_an_address_and_sees_its_secret_once(admin_client):
    key = make_key().key
    page = f"/gestion/cles-api/{key.pk}/"
    for url in ("http://exemple.fr/hook", "ftp://127.0.0.1/hook", "file:///etc/passwd"):
        refused = admin_client.post(f"{page}evenements/", {"url": url, "events": ["mission.done"]})
        assert refused.status_code == 400, url  # not https (nor http to this machine), or no web address
    assert not key.webhooks.exists()
    empty = admin_client.post(f"{page}evenements/", {"url": "https://exemple.fr/hook"})
    assert empty.status_code == 400 and "Cochez au moins un événement" in empty.content.decode()
    added = admin_client.post(f"{page}evenements/", {"url": "https://exemple.fr/hook", "events": ["mission.done"]})
    assert added.status_code == 200
    secret = added.content.decode().split('id="secret" type="text" readonly value="')[1].split('"')[0]
    subscription = key.webhooks.get()
    assert subscription.secret == secret and secret.startswith("whsec_")
    detail = admin_client.get(page).content.decode()
    assert "https://exemple.fr/hook" in detail and secret not in detail
    stopped = admin_client.post(f"{page}evenements/{subscription.pk}/arreter/", follow=True)
    assert "Plus aucun événement" in stopped.content.decode()
    assert not key.webhooks.get().is_active


def test_failed_deliveries_are_listed_and_replayed_from_the_page(
    admin_client, django_capture_on_commit_callbacks, category
):
    issued = subscribe(closed_port_url(), events=[WebhookEvent.REQUEST_CREATED])
    new_request(django_capture_on_commit_callbacks, category=category)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    page = f"/gestion/cles-api/{issued.subscription.key_id}/"
    assert "Envois en échec" in admin_client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{page}envois/{delivery.pk}/renvoyer/", follow=True)
    assert "Événement renvoyé" in response.content.decode()
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
    other_key = make_key().key
    assert admin_client.post(f"/gestion/cles-api/{other_key.pk}/envois/{delivery.pk}/renvoyer/").status_code == 404


def test_other_roles_cannot_touch_the_webhooks(client):
    issued = subscribe("https://exemple.fr/hook")
    login_staff(client, staff_user(Role.COORDINATOR))
    key_id = issued.subscription.key_id
    assert (
        client.post(
            f"/gestion/cles-api/{key_id}/evenements/", {"url": "https://x.fr", "events": ["mission.done"]}
        ).status_code
        == 404
    )
    assert client.post(f"/gestion/cles-api/{key_id}/evenements/{issued.subscription.pk}/arreter/").status_code == 404
    assert issued.subscription.__class__.objects.get().is_active
