import html

import pytest
from django.urls import reverse

from tests.factories import ResidentFactory
from villesolidaire.help_requests.enums import Channel, Status
from villesolidaire.help_requests.models import HelpCategory, HelpRequest
from villesolidaire.residents.models import Resident

URL = reverse("help_requests:public_form")


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def data(category):
    return {
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


def test_the_form_is_public(client, town):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Demander de l'aide" in page(response)


def test_a_new_person_gets_a_file_a_request_and_a_confirmation_number(client, data, town):
    response = client.post(URL, data)
    assert response.status_code == 302
    help_request = HelpRequest.objects.get()
    assert (help_request.channel, help_request.status, help_request.created_by) == (Channel.WEB, Status.NEW, None)
    assert help_request.transitions.get().to_status == Status.NEW
    resident = help_request.resident
    assert (resident.last_name, resident.mobile.as_e164) == ("Le Bihan", "+33645454545")
    confirmation = page(client.get(response.url))
    assert f"numéro <strong>{help_request.pk}</strong>" in confirmation and "01 23 45 67 89" in confirmation


def test_a_known_phone_attaches_the_request_to_the_existing_file(client, data, town):
    known = ResidentFactory(phone="+33299112233")
    client.post(URL, {**data, "any_phone": "02 99 11 22 33", "last_name": "Autre orthographe"})
    assert Resident.objects.count() == 1
    assert HelpRequest.objects.get().resident == known


def test_for_someone_else_who_agrees_or_does_not_know(client, data, town):
    other = {
        **data,
        "for_whom": "other",
        "reporter_name": "Sophie Tanguy",
        "reporter_relation": "voisine",
        "reporter_phone": "06 11 11 11 11",
        "person_agrees": "unknown",
    }
    assert client.post(URL, other).status_code == 302
    help_request = HelpRequest.objects.get()
    assert (help_request.channel, help_request.person_agrees, help_request.reporter_name) == (
        Channel.THIRD_PARTY,
        "unknown",
        "Sophie Tanguy",
    )


def test_for_someone_who_disagrees_is_refused_with_an_explanation(client, data, town):
    response = client.post(
        URL,
        {
            **data,
            "for_whom": "other",
            "reporter_name": "Sophie Tanguy",
            "reporter_relation": "voisine",
            "person_agrees": "no",
        },
    )
    assert response.status_code == 400
    assert "La personne doit être d'accord pour être aidée" in page(response)
    assert "appelez le CCAS" in page(response)
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("any_phone", "12 34", "Numéro de téléphone invalide"),
        ("any_phone", "", "Indiquez un numéro de téléphone"),
        ("postcode", "3500", "Code postal attendu : 5 chiffres"),
        ("description", "x" * 2001, "2000 caractères"),
        ("description", "<script>alert(1)</script>", "« < » et « > » ne sont pas autorisés"),
        ("last_name", "Mar\u200btin", "caractères invisibles"),
        ("last_name", "Martin\u202e", "caractères invisibles"),
        ("description", "Courses\u202eexe.txt", "caractères invisibles"),
        ("first_name", "Jean2", "Utilisez uniquement des lettres"),
        ("category", "999999", "Ce type d'aide n'existe pas."),
        ("category", "", "Choisissez le type d'aide."),
        ("urgency", "tomorrow", "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gives_a_french_message_and_saves_nothing(client, data, town, field, value, message):
    response = client.post(URL, {**data, field: value})
    assert response.status_code == 400
    assert message in page(response)
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


def test_other_category_needs_a_precision(client, data, town):
    response = client.post(URL, {**data, "category": HelpCategory.objects.get(slug="autre").pk})
    assert "Précisez le type d'aide demandé." in page(response)


def test_a_bot_filling_the_honeypot_saves_nothing(client, data, town):
    response = client.post(URL, {**data, "website": "http://spam.example"})
    assert response.status_code == 400
    assert not HelpRequest.objects.exists()


def test_confirmation_without_a_request_goes_back_to_the_form(client):
    response = client.get(reverse("help_requests:public_confirmation"))
    assert response.status_code == 302 and response.url == URL


@pytest.mark.parametrize("url", [URL, reverse("register:public_form")])
def test_public_forms_share_their_frame(client, town, url):
    """Both public forms extend layouts/public_form.html: note, honeypot hidden from people, for whom."""
    content = page(client.get(url))
    assert "Les champs marqués d'une étoile * sont obligatoires." in " ".join(
        content.replace('<span class="required">', "").replace("</span>", "").split()
    )
    assert '<div class="visually-hidden" aria-hidden="true">' in content
    assert 'name="website"' in content and 'name="for_whom"' in content
    assert "<legend>Si vous faites la demande pour une autre personne</legend>" in content
    assert 'name="person_agrees"' in content
