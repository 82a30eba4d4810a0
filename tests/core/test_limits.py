"""Limits per client (decision 0010): the trusted-proxy address, the public forms, magic links,
the SMS webhook and the audit log. The autouse `_fresh_caches` fixture empties the counters."""

import html
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import VolunteerFactory
from tests.volunteers.conftest import signup_data
from villesolidaire.audit.models import AuditEntry
from villesolidaire.audit.services import record
from villesolidaire.core.http import client_ip
from villesolidaire.core.limits import hit, parse_rate, wait_text
from villesolidaire.notifications.models import Message
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer

PROXY = "10.0.0.5"
SPOOFED = "203.0.113.66"
PERSON = "198.51.100.7"


@pytest.fixture(autouse=True)
def _proxy(settings):
    settings.VS_TRUSTED_PROXIES = [PROXY, "192.0.2.0/24"]


def page(response) -> str:
    return html.unescape(response.content.decode())


# The client address ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PERSON, "", PERSON),
        (PERSON, SPOOFED, PERSON),  # an untrusted client's header is ignored
        (PROXY, PERSON, PERSON),  # the trusted proxy's header is honoured
        (PROXY, f"{SPOOFED}, {PERSON}", PERSON),  # right-most untrusted hop, not the spoofed left one
        (PROXY, f"{SPOOFED}, {PERSON}, 192.0.2.9", PERSON),  # past a chain of trusted proxies
        (PROXY, "n'importe quoi", PROXY),  # garbage: the proxy is the last address known
        (PROXY, "", PROXY),
        ("", "", None),
    ],
)
def test_client_ip_reads_x_forwarded_for_only_from_a_trusted_proxy(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_audit_log_records_the_person_behind_the_proxy_not_a_spoofed_address():
    for remote, forwarded in ((PROXY, PERSON), (PERSON, SPOOFED)):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        record(actor=None, action="view", target="test", request=request)
    assert list(AuditEntry.objects.order_by("pk").values_list("ip_address", flat=True)) == [PERSON, PERSON]


def test_rates_and_waits():
    assert parse_rate("10/h") == (10, 3600)
    with pytest.raises(ValueError):
        parse_rate("10 par heure")
    assert wait_text(3601) == "2 heures" and wait_text(61) == "2 minutes" and wait_text(1) == "1 seconde"


def test_hit_counts_per_address_and_per_recipient(settings):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "magic_link": "2/h", "magic_link_recipient": "1/h"}
    factory = RequestFactory()
    one, other = factory.post("/", REMOTE_ADDR=PERSON), factory.post("/", REMOTE_ADDR=SPOOFED)
    assert hit(one, "magic_link", recipients=["a@example.org"]) == 0
    assert 0 < hit(other, "magic_link", recipients=["A@example.org "]) <= 3600  # same recipient
    assert hit(other, "magic_link", recipients=["b@example.org"]) == 0
    assert hit(one, "magic_link", recipients=["c@example.org"]) == 0
    assert hit(one, "magic_link", recipients=["d@example.org"]) > 0  # third from this address


# Over the limit: 429, Retry-After, what was typed is kept ---------------------------------------


def assert_refused_keeping(response, *typed):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    text = page(response)
    assert "Trop d'envois" in text and "votre saisie est conservée" in text
    for value in typed:
        assert value in text


def test_magic_link_requests_are_limited_per_address(client, settings):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "magic_link": "2/h"}
    url = reverse("volunteers:magic_link_request")
    for n in range(2):
        assert client.post(url, {"contact": f"v{n}@example.org"}).status_code == 302
    assert_refused_keeping(client.post(url, {"contact": "v9@example.org"}), "v9@example.org")
    # Another address (behind the trusted proxy) is not concerned.
    other = client.post(url, {"contact": "v9@example.org"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=PERSON)
    assert other.status_code == 302


def test_magic_link_requests_are_limited_per_recipient_whatever_the_address(client, settings):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "magic_link_recipient": "2/h"}
    VolunteerFactory(email="lea@example.org", user__email="lea@example.org")
    url = reverse("volunteers:magic_link_request")
    for n in range(2):
        forwarded = f"198.51.100.{n + 1}"
        response = client.post(url, {"contact": "lea@example.org"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 302
    sent = Message.objects.filter(kind="volunteer_magic_link").count()
    response = client.post(url, {"contact": "LEA@example.org"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=SPOOFED)
    assert_refused_keeping(response, "LEA@example.org")
    assert Message.objects.filter(kind="volunteer_magic_link").count() == sent


def test_a_spoofed_header_from_an_untrusted_client_does_not_escape_the_limit(client, settings):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "magic_link": "1/h"}
    url = reverse("volunteers:magic_link_request")
    assert client.post(url, {"contact": "a@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    response = client.post(url, {"contact": "b@example.org"}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_help_request_form_is_limited_and_keeps_what_was_typed(client, settings, category, town):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "public_form": "1/h"}
    data = {
        "for_whom": "self",
        "first_name": "Marcelle",
        "last_name": "Le Bihan",
        "any_phone": "06 45 45 45 45",
        "address": "4 rue des Lilas",
        "postcode": "35000",
        "city": "Bourg-Solidaire",
        "category": category.pk,
        "description": "Aller chercher mes médicaments.",
        "urgency": "normal",
        "time_window": "am",
    }
    url = reverse("help_requests:public_form")
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "last_name": "Kervella", "description": "Une course urgente."})
    assert_refused_keeping(response, "Kervella", "Une course urgente.", "4 rue des Lilas")


def test_register_sign_up_is_limited_per_recipient(client, settings, town):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "public_form_recipient": "1/h"}
    data = {
        "for_whom": "self",
        "last_name": "Rousseau",
        "first_names": "Hélène",
        "birth_date": "14/07/1940",
        "ground": "age_65",
        "address": "12 rue des Lilas",
        "postcode": "99001",
        "city": "Bourg-Solidaire",
        "phone": "01 99 00 44 55",
    }
    url = reverse("register:public_form")
    assert client.post(url, data, REMOTE_ADDR=PERSON).status_code == 302
    assert_refused_keeping(client.post(url, {**data, "last_name": "Rousselot"}, REMOTE_ADDR=SPOOFED), "Rousselot")


def test_volunteer_sign_up_is_limited_and_saves_nothing_over_the_limit(client, settings):
    RecruitmentCall.objects.create(
        title="Appel", opens_at=timezone.now() - timedelta(days=1), closes_at=timezone.now() + timedelta(days=9)
    )
    settings.VS_LIMITS = {**settings.VS_LIMITS, "public_form": "1/h"}
    url = reverse("volunteers:signup")
    assert client.post(url, signup_data(email="un@example.org", phone="06 11 11 11 11")).status_code == 302
    response = client.post(url, signup_data(email="deux@example.org", phone="06 22 22 22 22"))
    assert_refused_keeping(response, "deux@example.org")
    assert Volunteer.objects.count() == 1


def test_sms_webhook_is_limited_per_address(client, settings):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "sms_webhook": "2/m"}
    settings.VS_SMS_INBOUND_TOKEN = "jeton-de-test-tres-long-0123456789"
    url = reverse("campaigns:sms_inbound", args=["mauvais-jeton"])
    assert [client.post(url, {"from": "0600000000"}).status_code for _ in range(2)] == [404, 404]
    response = client.post(url, {"from": "0600000000"})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
