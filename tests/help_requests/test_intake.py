import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ResidentFactory, login_staff, staff_user
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import Channel, Status
from villesolidaire.help_requests.models import HelpRequest, HelpRequestTransition
from villesolidaire.notifications.models import CallTask, Message
from villesolidaire.residents.models import Resident

URL = reverse("help_requests:intake")


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def page(response) -> str:
    return html.unescape(response.content.decode())


def request_data(category, **extra):
    data = {
        "category": category.pk,
        "description": "Courses de la semaine",
        "urgency": "normal",
        "time_window": "any",
        "recurrence": "once",
        "channel": Channel.HOTLINE,
        "person_agrees": "yes",
    }
    return {**data, **extra}


def test_screen_autofocuses_the_search_and_shows_matches_without_js(client, operator, town):
    resident = ResidentFactory(last_name="Morvan", phone="+33299000001")
    response = client.get(URL, {"q": "02 99 00 00 01"})
    html = page(response)
    assert response.status_code == 200
    assert "autofocus" in html and 'name="q"' in html
    # One owner for the typed phone: preselected.
    assert f'value="{resident.pk}" id="fiche-{resident.pk}" checked' in html


def test_htmx_search_returns_only_the_results_fragment(client, operator, town):
    ResidentFactory(last_name="Morvan", first_name="Anne")
    response = client.get(URL, {"q": "morvan"}, headers={"HX-Request": "true"})
    html = page(response)
    assert "MORVAN Anne" in html
    assert "<html" not in html and "<h1" not in html
    assert "HX-Request" in response["Vary"]


def test_intake_for_an_existing_resident_creates_request_logs_and_informs(client, operator, category, town):
    resident = ResidentFactory()  # landline only: informing becomes a call task
    response = client.post(URL, {"resident": resident.pk, **request_data(category)})
    help_request = HelpRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("help_requests:detail", args=[help_request.pk])
    assert (help_request.resident, help_request.status, help_request.channel, help_request.created_by) == (
        resident,
        Status.NEW,
        Channel.HOTLINE,
        operator,
    )
    step = HelpRequestTransition.objects.get(help_request=help_request)
    assert (step.from_status, step.to_status, step.by) == ("", Status.NEW, operator)
    task = CallTask.objects.get(resident=resident)
    assert f"Votre demande n° {help_request.pk} a bien été enregistrée" in task.reason
    assert Resident.objects.count() == 1


def test_intake_for_a_new_person_with_a_mobile_creates_the_file_and_texts(client, operator, category, town):
    response = client.post(
        URL,
        {
            "resident": "new",
            "last_name": "Le Gall",
            "first_name": "Yvonne",
            "any_phone": "06 98 76 54 32",
            "address": "",
            **request_data(category, urgency="high"),
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert (resident.last_name, resident.mobile.as_e164, resident.created_by) == ("Le Gall", "+33698765432", operator)
    help_request = HelpRequest.objects.get()
    assert help_request.resident == resident and help_request.urgency == "high"
    message = Message.objects.get()
    assert message.recipient == "+33698765432" and f"{help_request.pk} a bien été enregistrée" in message.body


def test_minimal_intake_needs_only_a_phone_category_and_description(client, operator, category, town):
    response = client.post(
        URL,
        {
            "any_phone": "01 23 45 67 00",
            "category": category.pk,
            "description": "Courses",
            "urgency": "normal",
            "time_window": "any",
            "recurrence": "once",
            "channel": "hotline",
            "person_agrees": "yes",
        },
    )
    assert response.status_code == 302
    assert Resident.objects.get().phone.as_e164 == "+33123456700"


def test_intake_without_anybody_or_description_saves_nothing(client, operator, category, town):
    response = client.post(URL, request_data(category, description=""))
    html = page(response)
    assert response.status_code == 400
    assert "Décrivez la demande en quelques mots." in html
    assert "indiquez au moins son nom ou son téléphone" in html
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


def test_intake_refuses_a_merged_file(client, operator, category, town):
    merged = ResidentFactory(merged_into=ResidentFactory())
    response = client.post(URL, {"resident": merged.pk, **request_data(category)})
    assert "a été fusionnée" in page(response)
    assert not HelpRequest.objects.exists()


def test_bad_input_on_the_new_person_rolls_everything_back(client, operator, category, town):
    response = client.post(
        URL,
        {
            "resident": "new",
            "last_name": "<b>Durand</b>",
            "any_phone": "123",
            **request_data(category, wished_start=in_days(10), wished_end=in_days(5)),
        },
    )
    html = page(response)
    assert "Numéro de téléphone invalide" in html
    assert "Les caractères « < » et « > » ne sont pas autorisés." in html
    assert "La date de fin est avant la date de début." in html
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


def test_third_party_report_keeps_reporter_and_refuses_disagreement(client, operator, category, town):
    resident = ResidentFactory()
    data = {
        "resident": resident.pk,
        **request_data(
            category,
            channel="third_party",
            reporter_name="Mme Voisine",
            reporter_relation="voisine",
            reporter_phone="06 00 00 00 01",
        ),
    }
    response = client.post(URL, {**data, "person_agrees": "no"})
    assert "La personne doit être d'accord" in page(response)
    assert not HelpRequest.objects.exists()
    client.post(URL, {**data, "person_agrees": "unknown"})
    help_request = HelpRequest.objects.get()
    assert (help_request.reporter_name, help_request.reporter_phone, help_request.person_agrees) == (
        "Mme Voisine",
        "+33600000001",
        "unknown",
    )


def test_constraints_and_money_are_stored(client, operator, category, town):
    resident = ResidentFactory()
    client.post(
        URL,
        {
            "resident": resident.pk,
            **request_data(
                category, constraints=["contactless", "stairs"], involves_money="on", estimated_amount="42.50"
            ),
        },
    )
    help_request = HelpRequest.objects.get()
    assert help_request.constraint_labels[0].startswith("Livraison sans contact")
    assert (
        help_request.constraints == 0b11
        and help_request.involves_money
        and str(help_request.estimated_amount) == "42.50"
    )


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.COORDINATOR])
def test_desk_roles_reach_the_intake(client, role, town):
    login_staff(client, staff_user(role))
    assert client.get(URL).status_code == 200


def test_link_from_a_file_preselects_that_person(client, operator, town):
    resident = ResidentFactory()
    html_page = page(client.get(URL, {"resident": resident.pk}))
    assert f'id="fiche-{resident.pk}" checked' in html_page


def test_name_search_with_several_matches_preselects_nobody(client, operator, town):
    ResidentFactory(last_name="Morvan", first_name="Anne")
    ResidentFactory(last_name="Morvan", first_name="Louis")
    html_page = page(client.get(URL, {"q": "morvan"}))
    assert "MORVAN Anne" in html_page and "MORVAN Louis" in html_page
    assert " checked" not in html_page.split('id="resultats"')[1].split("</fieldset>")[0]
    # The typed name pre-fills "new person" in case the caller is not among them.
    assert 'name="last_name" value="morvan"' in html_page


def test_one_name_match_is_preselected(client, operator, town):
    resident = ResidentFactory(last_name="Morvan", first_name="Anne")
    ResidentFactory(last_name="Bernard", first_name="Paul")
    html = page(client.get(URL, {"q": "morvn anne"}))
    assert f'value="{resident.pk}" id="fiche-{resident.pk}" checked' in html
    assert 'id="fiche-nouvelle" checked' not in html


def test_several_matches_preselect_nothing(client, operator, town):
    ResidentFactory(last_name="Morvan", first_name="Anne")
    ResidentFactory(last_name="Morvan", first_name="Annick")
    html = page(client.get(URL, {"q": "morvan"}))
    assert " checked" not in html.split('id="resultats"')[1].split("</fieldset>")[0]


@pytest.mark.parametrize("typed", ["01 99 00 71 71", "6 12 34 56 78", "06 12"])
def test_digits_searched_never_land_in_the_name(client, operator, town, typed):
    response = client.get(URL, {"q": typed})
    form = response.context["person_form"]
    assert not form["last_name"].value() and not form["first_name"].value()


def test_a_searched_number_prefills_the_phone_even_when_the_validator_refuses_it(client, operator, town):
    response = client.get(URL, {"q": "06 39 98 00 01"})
    assert str(response.context["person_form"]["any_phone"].value()) == "+33639980001"


def test_a_searched_fiction_range_number_finds_its_file(client, operator, town):
    resident = ResidentFactory(mobile="+33639980001")
    html = page(client.get(URL, {"q": "+33 (0)6 39 98 00 01"}))
    assert f'value="{resident.pk}" id="fiche-{resident.pk}" checked' in html


def test_new_person_like_an_existing_file_asks_a_confirmation_naming_it(client, operator, category, town):
    existing = ResidentFactory(
        first_name="Jeanne", last_name="Martin", birth_year=1942, mobile="+33612345678", phone=""
    )
    data = {"resident": "new", "last_name": "Martin", "first_name": "Jeane", "birth_year": "1942"}
    response = client.post(URL, {**data, **request_data(category)})
    html = page(response)
    assert response.status_code == 400
    assert "Une fiche existe déjà pour Jeanne Martin (né·e en 1942, 06 12 34 56 78)" in html
    assert 'name="confirm_new"' in html
    assert f'id="fiche-{existing.pk}"' in html  # offered for a one-click choice
    assert Resident.objects.count() == 1 and not HelpRequest.objects.exists()

    response = client.post(URL, {**data, "confirm_new": "on", **request_data(category)})
    assert response.status_code == 302
    assert Resident.objects.count() == 2 and HelpRequest.objects.count() == 1


def test_new_person_with_a_known_phone_asks_a_confirmation(client, operator, category, town):
    ResidentFactory(first_name="Jeanne", last_name="Martin", phone="+33199007171", birth_year=None)
    data = {"resident": "new", "last_name": "Durand", "any_phone": "01 99 00 71 71"}
    response = client.post(URL, {**data, **request_data(category)})
    assert "Une fiche existe déjà pour Jeanne Martin (01 99 00 71 71)" in page(response)
    assert Resident.objects.count() == 1


def test_new_person_unlike_any_file_needs_no_confirmation(client, operator, category, town):
    ResidentFactory(first_name="Jeanne", last_name="Martin", birth_year=1942)
    data = {"resident": "new", "last_name": "Martin", "first_name": "Jeanne", "birth_year": "1975"}
    response = client.post(URL, {**data, **request_data(category)})
    assert response.status_code == 302
    assert Resident.objects.count() == 2


def test_a_chosen_file_with_someone_else_typed_as_new_person_is_refused(client, operator, category, town):
    """The file pre-selected by the search, and another person typed in « Nouvelle personne »: the
    request must not go to the chosen file while what was typed disappears."""
    chosen = ResidentFactory(last_name="Pasquier", first_name="Honoré")
    for other in (
        {"last_name": "Martin", "first_name": "Odette"},
        {"any_phone": "01 99 00 99 99"},
    ):
        response = client.post(URL, {"resident": chosen.pk, **other, **request_data(category)})
        assert response.status_code == 400
        assert "Vous avez choisi la fiche de Honoré Pasquier mais rempli « Nouvelle personne »" in page(response)
    assert not HelpRequest.objects.exists() and Resident.objects.count() == 1


@pytest.mark.parametrize(
    "prefilled",
    [
        {"last_name": "Pasquier", "first_name": ""},  # the search text, as the screen pre-fills it
        {"last_name": "Pasqier", "first_name": "honore"},  # a typo of the chosen name
        {"last_name": "Pasq", "first_name": ""},  # a start
        {"any_phone": "+33299000042"},  # the file's own number
    ],
)
def test_what_the_search_prefilled_does_not_block_the_chosen_file(client, operator, category, town, prefilled):
    chosen = ResidentFactory(last_name="Pasquier", first_name="Honoré", phone="+33299000042")
    response = client.post(URL, {"resident": chosen.pk, **prefilled, **request_data(category)})
    assert response.status_code == 302
    assert HelpRequest.objects.get().resident == chosen
