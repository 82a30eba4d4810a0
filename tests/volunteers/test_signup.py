import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import VolunteerFactory
from tests.volunteers.conftest import lilas_address, signup_data
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.core.choices import AVAILABILITY, LANGUAGES
from villesolidaire.core.tenancy import site_url
from villesolidaire.matching.index import index_volunteer
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Channel, Message
from villesolidaire.notifications.sms import gsm7_length
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import RecruitmentCall, Volunteer, VolunteerStatusChange

URL = reverse("volunteers:signup")


def post(client, **overrides):
    return client.post(URL, signup_data(**overrides))


def assert_nothing_saved(users_before: int = 0) -> None:
    assert Volunteer.objects.count() == 0
    assert User.objects.count() == users_before
    assert Message.objects.count() == 0


def test_form_page_is_accessible_and_has_the_availability_grid(client, open_call):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert '<th scope="row">Lundi</th>' in html
    assert html.count('name="availability"') == 21
    # Every slot checkbox has its own label, e.g. "lundi matin".
    assert '<label for="id_availability_0" class="visually-hidden">lundi matin</label>' in html
    assert reverse("core:privacy") in html
    assert "style=" not in html and "<script>" not in html


def test_sign_up_creates_volunteer_user_log_index_and_message(client, open_call, groceries, driving):
    response = post(client)

    assert response.status_code == 302
    assert response.url == reverse("volunteers:signup_thanks")
    volunteer = Volunteer.objects.get()
    assert volunteer.status == Status.REGISTERED
    assert volunteer.email == "camille.ndiaye@example.org"
    assert volunteer.phone.as_e164 == "+33612345678"
    assert volunteer.recruitment_call == open_call
    assert volunteer.charter_accepted_at and volunteer.gdpr_notice_accepted_at
    assert volunteer.availability == AVAILABILITY.to_mask(["mon_am", "sat_pm"])
    assert volunteer.languages == LANGUAGES.to_mask(["fr", "es"])
    assert list(volunteer.categories.all()) == [groceries]
    assert list(volunteer.skills.all()) == [driving]
    # Address not in the BAN index: kept as typed, flagged as not located.
    assert volunteer.address == "4 rue des Lilas" and not volunteer.is_located
    user = volunteer.user
    assert user.email == "camille.ndiaye@example.org" and not user.has_usable_password()
    assert user.has_role(Role.VOLUNTEER) and not user.is_staff_member
    change = volunteer.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("", Status.REGISTERED, user)
    profile = VolunteerMatchProfile.objects.get(volunteer=volunteer)
    assert profile.is_eligible is False and profile.categories_mask == groceries.mask
    assert profile.skills_mask == 1 << driving.bit
    # The row written at sign-up is the one a full reindex computes from the database.
    fields = [f.name for f in VolunteerMatchProfile._meta.fields]
    written = VolunteerMatchProfile.objects.values(*fields).get(volunteer=volunteer)
    index_volunteer(volunteer)
    assert VolunteerMatchProfile.objects.values(*fields).get(volunteer=volunteer) == written
    message = Message.objects.get(kind="volunteer_signup")
    assert message.channel == Channel.SMS and message.recipient == "+33612345678"
    assert "/mon-espace/?jeton=" in message.outgoing_body() and "jeton" not in message.body
    assert gsm7_length(message.outgoing_body()) <= 160


def test_sign_up_geocodes_a_known_address(client, open_call):
    lilas_address()
    post(client)
    volunteer = Volunteer.objects.get()
    assert volunteer.is_located and volunteer.latitude == 48.11
    assert VolunteerMatchProfile.objects.get(volunteer=volunteer).latitude == 48.11


def test_sign_up_without_email_gets_a_synthetic_account_and_an_sms(client, open_call):
    post(client, email="")
    volunteer = Volunteer.objects.get()
    assert volunteer.email == ""
    assert volunteer.user.email.endswith("@sans-email.invalid")
    assert Message.objects.get().channel == Channel.SMS


def test_sign_up_with_email_only_is_confirmed_by_email(client, open_call):
    post(client, phone="")
    message = Message.objects.get()
    assert message.channel == Channel.EMAIL and message.recipient == "camille.ndiaye@example.org"
    assert "Bonjour Camille" in message.body and "&#x27;" not in message.body


def test_closed_call_shows_closing_date_and_refuses_posts(client):
    closed = RecruitmentCall.objects.create(
        title="Appel hiver", opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=3)
    )
    response = client.get(URL)
    html = response.content.decode()
    assert "Les inscriptions sont closes" in html
    assert "Appel hiver" in html and closed.closes_at.strftime("%Y") in html
    assert '<form method="post" novalidate>' not in html

    response = post(client)
    assert response.status_code == 200
    assert "votre inscription n&#x27;a pas été enregistrée" in response.content.decode()
    assert_nothing_saved()


def test_no_call_at_all_is_closed(client):
    response = client.get(URL)
    assert "Aucun appel à volontaires n'est ouvert" in response.content.decode()


KNOWN = {"email": "camille.ndiaye@example.org", "user__email": "camille.ndiaye@example.org", "phone": "+33612345678"}
# Headers that differ between any two responses whatever they answer.
PER_REQUEST_HEADERS = {"X-Request-ID"}


def answer(client, response) -> tuple:
    """What a visitor can observe of a sign-up's answer: status, headers, where it leads, and the
    page found there (its template and its text, the CSRF token aside: it is masked afresh per page)."""
    headers = {name: value for name, value in response.headers.items() if name not in PER_REQUEST_HEADERS}
    page = client.get(response.url) if response.status_code == 302 else response
    text = re.sub(r'"X-CSRFToken": "\w+"', "", page.content.decode())
    return response.status_code, headers, page.status_code, [t.name for t in page.templates], text


def snapshot() -> tuple:
    return (
        list(Volunteer.objects.values()),
        list(User.objects.values()),
        list(VolunteerStatusChange.objects.values()),
        list(VolunteerMatchProfile.objects.values()),
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"email": "CAMILLE.NDIAYE@example.org", "phone": "06 11 22 33 44"},
        {"email": "autre@example.org", "phone": "+33 6 12 34 56 78"},
        {"email": "camille.ndiaye@example.org", "phone": ""},
        {"email": "", "phone": "06 12 34 56 78"},
    ],
)
def test_a_known_contact_gets_the_same_answer_as_a_new_one_and_changes_nothing(client, open_call, settings, typed):
    new = answer(client, post(client, email="nouvelle@example.org", phone="06 98 76 54 32"))
    assert Volunteer.objects.count() == 1  # the new sign-up did create an account
    VolunteerFactory(first_name="Awa", **KNOWN)
    Message.objects.all().delete()
    before = snapshot()

    known = answer(client, post(client, first_name="Intrus", **typed))

    assert known == new
    assert new[0] == 302 and "Merci pour votre inscription" in new[4]
    assert snapshot() == before
    # Only the owner hears of it: one message per known contact typed, on that channel.
    messages = list(Message.objects.order_by("channel"))
    expected = sorted(
        [(Channel.EMAIL, KNOWN["email"])] * ("camille" in typed["email"].lower())
        + [(Channel.SMS, KNOWN["phone"])] * ("12 34 56 78" in typed["phone"])
    )
    assert sorted((m.channel, m.recipient) for m in messages) == expected
    for message in messages:
        assert message.kind == "volunteer_signup_attempt"
        assert timezone.localdate().strftime("%d/%m/%Y") in message.body
        assert f"{site_url()}{reverse('volunteers:magic_link_request')}" in message.body
        # Nothing of the attempt but its date, and no key that opens a session.
        assert "Intrus" not in message.body and "Lilas" not in message.body and "Awa" not in message.body
        assert message.personal_links == "" and "jeton" not in message.outgoing_body()
        if message.channel == Channel.SMS:
            assert gsm7_length(message.body) <= 160


def test_an_email_of_a_staff_account_creates_nothing_and_its_owner_is_sent_to_the_staff_sign_in(client, open_call):
    User.objects.create_user(email="camille.ndiaye@example.org")
    response = post(client)
    assert response.status_code == 302 and response.url == reverse("volunteers:signup_thanks")
    assert Volunteer.objects.count() == 0 and User.objects.count() == 1
    message = Message.objects.get()
    assert (message.kind, message.recipient) == ("volunteer_signup_attempt", "camille.ndiaye@example.org")
    assert reverse("accounts:login") in message.body
    assert reverse("volunteers:magic_link_request") not in message.body


def test_the_owner_is_told_once_a_day_however_many_attempts(client, open_call):
    VolunteerFactory(**KNOWN)
    for _ in range(3):
        assert post(client, phone="").status_code == 302
    assert Message.objects.filter(kind="volunteer_signup_attempt").count() == 1


@pytest.mark.parametrize("known", [True, False])
def test_the_per_recipient_limit_answers_alike_for_known_and_new_contacts(client, open_call, settings, known):
    settings.VS_LIMITS = {**settings.VS_LIMITS, "public_form_recipient": "2/h"}
    if known:
        VolunteerFactory(**KNOWN)
    assert [post(client, phone="").status_code for _ in range(2)] == [302, 302]
    # New: the confirmation, then the notice (the address is known by the second attempt). Known: one notice.
    kinds = ["volunteer_signup", "volunteer_signup_attempt"] if not known else ["volunteer_signup_attempt"]
    assert sorted(Message.objects.values_list("kind", flat=True)) == kinds

    refused = post(client, phone="")
    assert refused.status_code == 429 and "Trop d&#x27;envois" in refused.content.decode()
    assert Message.objects.count() == len(kinds) and Volunteer.objects.count() == 1


def test_a_contact_taken_by_a_concurrent_sign_up_gets_the_same_answer(client, open_call):
    """No check ahead: the database refuses the contact another sign-up took, nothing is written."""
    VolunteerFactory(**KNOWN)
    response = post(client)
    assert response.status_code == 302 and response.url == reverse("volunteers:signup_thanks")
    assert Volunteer.objects.count() == 1 and User.objects.count() == 1
    assert sorted(Message.objects.values_list("kind", "channel")) == [
        ("volunteer_signup_attempt", Channel.EMAIL),
        ("volunteer_signup_attempt", Channel.SMS),
    ]


BAD_INPUTS = [
    ({"phone": "12345"}, "Numéro de téléphone invalide"),
    ({"phone": "01 23 45 67 89"}, "numéro de téléphone mobile"),
    ({"phone": "06 12 34 56 78 99 99"}, "Numéro de téléphone invalide"),
    ({"email": "camille@"}, "Adresse e-mail invalide"),
    ({"email": "a" * 250 + "@example.org"}, "Adresse e-mail"),
    ({"postcode": "9910"}, "Code postal attendu : 5 chiffres"),
    ({"postcode": "ABCDE"}, "Code postal attendu : 5 chiffres"),
    ({"first_name": "C" * 81}, "au plus 80 caractères"),
    ({"skills_other": "x" * 301}, "au plus 300 caractères"),
    ({"address": "x" * 251}, "au plus 250 caractères"),
    ({"last_name": "<script>alert(1)</script>"}, "Les caractères « &lt; » et « &gt; » ne sont pas autorisés"),
    ({"skills_other": "<b>gras</b>"}, "ne sont pas autorisés"),
    ({"first_name": "Cam\u200bille"}, "caractères invisibles"),
    ({"last_name": "Martin\u202eniraM"}, "caractères invisibles"),
    ({"address": "4 rue\u0000 des Lilas"}, "Le caractère nul n’est pas autorisé"),
    ({"city": "Bourg\u0007"}, "caractères invisibles"),
    ({"skills_other": "\ufeffJardinage"}, "caractères invisibles"),
    ({"first_name": "R2D2"}, "uniquement des lettres"),
    ({"email": "", "phone": ""}, "au moins une adresse e-mail ou un numéro de mobile"),
    ({"birth_year": "1850"}, "Indiquez une année entre"),
    ({"birth_year": "deux mille"}, "nombre entier"),
    ({"max_distance_km": "500"}, "Indiquez une distance entre 1 et 50 km."),
    ({"availability": []}, "au moins un moment de disponibilité"),
    ({"availability": ["mon_night"]}, "Sélectionnez un choix valide"),
    ({"categories": []}, "au moins un type de mission"),
    ({"categories": ["999999"]}, "Sélectionnez un choix valide"),
    ({"gdpr_acknowledged": None}, "information sur vos données personnelles"),
    ({"charter_accepted": None}, "acceptation de la charte"),
    ({"first_name": ""}, "Ce champ est obligatoire"),
]


@pytest.mark.parametrize("overrides,message", BAD_INPUTS)
def test_bad_input_gives_a_french_message_and_saves_nothing(client, open_call, overrides, message):
    response = post(client, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html
    assert_nothing_saved()


def test_names_in_other_scripts_are_welcome(client, open_call):
    post(client, first_name="Ñuñez", last_name="محمد")
    volunteer = Volunteer.objects.get()
    assert volunteer.last_name == "محمد"


def test_decomposed_accents_are_normalised(client, open_call):
    post(client, first_name="He\u0301le\u0300ne")
    assert Volunteer.objects.get().first_name == "Hélène"


def test_an_integrity_error_other_than_a_known_contact_is_not_hidden(open_call, monkeypatch):
    """Only the unique e-mail and mobile mean "already known"; any other refusal is a bug to see."""
    from django.db import IntegrityError

    from villesolidaire.volunteers import services

    def broken(**kwargs):
        raise IntegrityError('insert or update violates foreign key constraint "volunteers_volunteer_quartier_id"')

    monkeypatch.setattr(services, "_register", broken)
    with pytest.raises(IntegrityError):
        services.volunteer_sign_up(
            volunteer=Volunteer(first_name="A", last_name="B", email="new@example.org"),
            skills=[],
            categories=[],
            recruitment_call=open_call,
        )
    assert not Message.objects.exists()
    assert services._contact_taken(IntegrityError("UNIQUE constraint failed: accounts_user.email"))
