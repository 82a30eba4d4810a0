import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpRequestFactory, QuartierFactory, ResidentFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.residents.models import Resident, ResidentContact

LIST = reverse("residents:list")


def page(response) -> str:
    return html.unescape(response.content.decode())


def listed(response) -> list[int]:
    return [row.pk for row in response.context["page_obj"].object_list]


def test_list_searches_by_phone_or_name_and_hides_merged_files(client, operator, town):
    target = ResidentFactory(last_name="Guillou", mobile="+33677889900")
    ResidentFactory(last_name="Guillou", merged_into=target)
    ResidentFactory(last_name="Autre")
    assert listed(client.get(LIST, {"q": "06 77 88 99 00"})) == [target.pk]
    assert listed(client.get(LIST, {"q": "guillou"})) == [target.pk]
    assert len(listed(client.get(LIST))) == 2


def test_list_bad_birth_year_is_reported_in_french(client, operator, town):
    response = client.get(LIST, {"q": "x", "birth_year": "1850"})
    assert response.status_code == 200
    assert f"Indiquez une année entre 1900 et {timezone.localdate().year}." in page(response)


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_does_not_grow(client, operator, category, town, rows, django_assert_num_queries):
    quartier = QuartierFactory()
    for _ in range(rows):
        HelpRequestFactory(category=category, resident=ResidentFactory(quartier=quartier))
    # session, user, role grants, OTP device, volunteer profile (navigation), town, count, rows.
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(listed(response)) == rows


def test_detail_shows_the_file_and_its_requests(client, operator, category, town):
    request = HelpRequestFactory(category=category)
    response = client.get(reverse("residents:detail", args=[request.resident.pk]))
    assert response.status_code == 200
    assert request.resident.last_name in page(response)
    assert reverse("help_requests:detail", args=[request.pk]) in page(response)


def test_merged_file_points_to_the_target(client, operator, town):
    target = ResidentFactory()
    merged = ResidentFactory(merged_into=target)
    response = client.get(reverse("residents:detail", args=[merged.pk]))
    assert "Fiche fusionnée" in page(response)
    assert reverse("residents:detail", args=[target.pk]) in page(response)


def edit_data(**extra):
    data = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "birth_year": "1939",
        "phone": "01 40 00 00 00",
        "mobile": "",
        "email": "",
        "address": "8 impasse inconnue",
        "postcode": "35000",
        "city": "Bourg",
        "preferred_channel": "call",
        "language": "fr",
        "notes": "Sonner deux fois.\nChien gentil.",
    }
    return {**data, **extra}


def test_edit_saves_and_flags_an_address_not_found(client, operator, town):
    resident = ResidentFactory()
    response = client.post(reverse("residents:edit", args=[resident.pk]), edit_data())
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.last_name, resident.phone.as_e164, resident.is_located) == ("Martin", "+33140000000", False)
    assert resident.notes == "Sonner deux fois.\nChien gentil."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # REST framework's French catalogue (installed for the API) words it as the site's labels do.
        ("email", "pas-une-adresse", "Saisissez une adresse e-mail valide."),
        ("mobile", "01 40 00 00 00", "Ce numéro n'est pas un mobile"),
        ("phone", "+33 1", "Numéro de téléphone invalide"),
        ("postcode", "ABCDE", "Code postal attendu"),
        ("birth_year", "3020", "Indiquez une année entre 1900 et"),
        ("last_name", "<script>", "« < » et « > »"),
        ("first_name", "Je\u200dan", "caractères invisibles"),
        ("notes", "x" * 2001, "2000 caractères"),
        ("preferred_channel", "sms", "Les SMS demandent un téléphone mobile."),
    ],
)
def test_edit_bad_input_changes_nothing(client, operator, town, field, value, message):
    resident = ResidentFactory(last_name="Avant")
    response = client.post(reverse("residents:edit", args=[resident.pk]), edit_data(**{field: value}))
    assert response.status_code == 200
    assert message in page(response)
    resident.refresh_from_db()
    assert resident.last_name == "Avant"


def test_contacts_are_added_and_removed(client, operator, town):
    resident = ResidentFactory()
    url = reverse("residents:contact_add", args=[resident.pk])
    assert client.post(url, {"name": "Paul Martin", "relation": "fils", "phone": "06 10 10 10 10"}).status_code == 302
    contact = ResidentContact.objects.get()
    assert (contact.resident, contact.phone.as_e164) == (resident, "+33610101010")
    assert client.post(url, {"name": "", "phone": "abc"}).status_code == 400
    client.post(reverse("residents:contact_delete", args=[resident.pk, contact.pk]))
    assert not ResidentContact.objects.exists()


def test_merge_page_finds_the_duplicate_and_merges_it(client, operator, category, town):
    target = ResidentFactory(last_name="Le Goff", first_name="Anna")
    duplicate = ResidentFactory(last_name="Le Goff", first_name="Anne")
    request = HelpRequestFactory(category=category, resident=duplicate)
    url = reverse("residents:merge", args=[target.pk])
    response = client.get(url, {"q": "le goff"})
    assert f'value="{duplicate.pk}"' in page(response) and f'value="{target.pk}"' not in page(response)
    response = client.post(url, {"source": duplicate.pk})
    assert response.status_code == 200 and "Ce champ est obligatoire." in page(response)
    response = client.post(url, {"source": duplicate.pk, "confirm": "on"})
    assert response.status_code == 302
    assert HelpRequest.objects.get(pk=request.pk).resident == target
    assert Resident.objects.get(pk=duplicate.pk).merged_into == target


def test_merge_cannot_target_itself(client, operator, town):
    target = ResidentFactory()
    response = client.post(reverse("residents:merge", args=[target.pk]), {"source": target.pk, "confirm": "on"})
    assert "n'existe plus ou a déjà été fusionnée" in page(response)
    assert Resident.objects.get().merged_into is None


@pytest.mark.parametrize("name", ["detail", "edit", "merge"])
def test_volunteer_gets_404_and_anonymous_goes_to_login(client, name):
    url = reverse(f"residents:{name}", args=[ResidentFactory().pk])
    assert reverse("accounts:login") in client.get(url).url
    login_staff(client, staff_user(Role.VOLUNTEER))
    assert client.get(url).status_code == 404
    assert client.get(LIST).status_code == 404
