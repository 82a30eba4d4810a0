import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import F
from django.urls import reverse

from tests.factories import VolunteerFactory, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.notifications.models import Channel, Message
from villesolidaire.notifications.sms import gsm7_length
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.services import magic_link_url

REQUEST_URL = reverse("volunteers:magic_link_request")
SPACE_URL = reverse("volunteers:space")


def link_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def request_link(client, contact: str):
    return client.post(REQUEST_URL, {"contact": contact})


def test_request_by_email_sends_an_email_link(client):
    volunteer = VolunteerFactory(email="lea@example.org", user__email="lea@example.org")
    response = request_link(client, " LEA@example.org ")
    assert response.status_code == 302 and response.url == reverse("volunteers:magic_link_sent")
    message = Message.objects.get(kind="volunteer_magic_link")
    assert message.channel == Channel.EMAIL and message.recipient == "lea@example.org"
    assert f"Bonjour {volunteer.first_name}" in message.body
    assert "/mon-espace/?jeton=" in message.outgoing_body() and "jeton" not in message.body


def test_request_by_mobile_sends_a_short_sms(client):
    VolunteerFactory(phone="+33698765432")
    request_link(client, "06 98 76 54 32")
    message = Message.objects.get(kind="volunteer_magic_link")
    assert message.channel == Channel.SMS and message.recipient == "+33698765432"
    assert gsm7_length(message.body) <= 160


@pytest.mark.parametrize("contact", ["inconnu@example.org", "06 00 00 00 01"])
def test_unknown_contact_gets_the_same_answer_and_nothing_is_sent(client, contact):
    VolunteerFactory(email="lea@example.org", user__email="lea@example.org")
    response = request_link(client, contact)
    assert response.status_code == 302 and response.url == reverse("volunteers:magic_link_sent")
    assert Message.objects.count() == 0


def observed(client, response) -> tuple:
    """What the visitor sees: status, headers, the page it leads to (CSRF mask aside)."""
    headers = {name: value for name, value in response.headers.items() if name != "X-Request-ID"}
    page = client.get(response.url)
    text = re.sub(r'"X-CSRFToken": "\w+"', "", page.content.decode())
    return response.status_code, headers, page.status_code, [t.name for t in page.templates], text


@pytest.mark.parametrize(("known", "unknown"), [("lea@example.org", "zoe@example.org"), ("0698765432", "0698765433")])
def test_the_answer_is_the_same_whether_or_not_the_contact_has_an_account(client, known, unknown):
    VolunteerFactory(email="lea@example.org", user__email="lea@example.org", phone="+33698765432")
    for_unknown = observed(client, request_link(client, unknown))
    assert Message.objects.count() == 0
    for_known = observed(client, request_link(client, known))
    assert Message.objects.filter(kind="volunteer_magic_link").count() == 1
    assert for_known == for_unknown
    assert for_known[0] == 302 and "Consultez vos messages" in for_known[4]


def test_withdrawn_volunteer_gets_no_link(client):
    VolunteerFactory(email="lea@example.org", user__email="lea@example.org", status=Status.WITHDRAWN)
    request_link(client, "lea@example.org")
    assert Message.objects.count() == 0


def test_staff_member_gets_no_magic_link(client):
    staff = staff_user(Role.COORDINATOR, email="agent@example.org")
    VolunteerFactory(user=staff, email="agent@example.org")
    request_link(client, "agent@example.org")
    assert Message.objects.count() == 0


def test_repeated_requests_are_throttled(client):
    VolunteerFactory(phone="+33698765432")
    request_link(client, "0698765432")
    request_link(client, "0698765432")
    assert Message.objects.count() == 1
    Message.objects.update(created_at=F("created_at") - timedelta(minutes=3))
    request_link(client, "0698765432")
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "contact,message",
    [
        ("", "Indiquez votre adresse e-mail"),
        ("lea@", "Adresse e-mail invalide"),
        ("12", "Numéro de téléphone invalide"),
        ("x" * 300, "au plus 254 caractères"),
        ("<script>@x.fr", "ne sont pas autorisés"),
        ("lea\u200b@example.org", "invisibles"),
    ],
)
def test_bad_contact_is_explained(client, contact, message):
    response = request_link(client, contact)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Message.objects.count() == 0


def test_token_signs_in_and_is_removed_from_the_address_bar(client):
    volunteer = VolunteerFactory(first_name="Léa")
    response = client.get(link_path(magic_link_url(volunteer=volunteer)))
    assert response.status_code == 302 and response.url == SPACE_URL
    response = client.get(SPACE_URL)
    assert response.status_code == 200
    assert "Bonjour Léa" in response.content.decode()


def test_token_from_a_sent_message_works(client):
    VolunteerFactory(phone="+33698765432")
    request_link(client, "0698765432")
    body = Message.objects.get().outgoing_body()
    url = body[body.index("http") :].split()[0]
    client.get(link_path(url))
    assert client.get(SPACE_URL).status_code == 200


def test_token_may_send_to_a_local_page_but_not_elsewhere(client):
    volunteer = VolunteerFactory()
    response = client.get(link_path(magic_link_url(volunteer=volunteer, next_path="/mon-espace/profil/")))
    assert response.url == "/mon-espace/profil/"
    volunteer.user.refresh_from_db()  # signing in changed last_login: links made before no longer work
    response = client.get(link_path(magic_link_url(volunteer=volunteer, next_path="https://evil.example/")))
    assert response.url == SPACE_URL


def test_tampered_or_expired_token_is_refused(client, settings, monkeypatch):
    volunteer = VolunteerFactory()
    path = link_path(magic_link_url(volunteer=volunteer))
    response = client.get(path[:-3] + "abc")
    assert response.url == REQUEST_URL
    assert client.get(SPACE_URL).url == REQUEST_URL
    path = link_path(magic_link_url(volunteer=volunteer))
    assert client.get(path).url == SPACE_URL
    later = time.time() + settings.SESAME_MAX_AGE + 60
    monkeypatch.setattr("sesame.tokens_v2.time.time", lambda: later)
    assert client.get(path).url == REQUEST_URL


def test_token_of_a_staff_member_does_not_open_a_session(client):
    staff = staff_user(Role.COORDINATOR)
    volunteer = VolunteerFactory(user=staff)
    client.get(link_path(magic_link_url(volunteer=volunteer)))
    assert "_auth_user_id" not in client.session


def test_token_is_scoped_to_the_volunteer_space(client):
    volunteer = VolunteerFactory()
    token = parse_qs(urlsplit(magic_link_url(volunteer=volunteer)).query)["jeton"][0]
    from django.test import RequestFactory
    from sesame.utils import get_user

    # Unscoped use elsewhere is refused (with a request: django-axes checks every authentication).
    assert get_user(RequestFactory().get("/", {"jeton": token})) is None


def test_space_without_session_redirects_to_the_request_page(client):
    response = client.get(SPACE_URL)
    assert response.status_code == 302 and response.url == REQUEST_URL


def test_a_sign_in_link_works_once_and_for_minutes_only(client, settings):
    assert settings.SESAME_ONE_TIME is True and settings.SESAME_MAX_AGE <= 3600
    volunteer = VolunteerFactory()
    link = link_path(magic_link_url(volunteer=volunteer))
    client.get(link)
    assert client.get(SPACE_URL).status_code == 200
    client.logout()
    response = client.get(link, follow=True)  # used once already
    assert "plus valable" in response.content.decode() and response.status_code == 200
