import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from tests.factories import (
    HelpRequestFactory,
    QuartierFactory,
    SupportFactory,
    VolunteerFactory,
    login_staff,
    staff_user,
)
from villesolidaire.accounts.enums import Role
from villesolidaire.core.choices import AVAILABILITY
from villesolidaire.help_requests.models import HelpCategory
from villesolidaire.matching.models import VolunteerMatchProfile
from villesolidaire.notifications.models import Message
from villesolidaire.notifications.sms import gsm7_length
from villesolidaire.volunteers.enums import Status
from villesolidaire.volunteers.models import Skill, Volunteer

LIST_URL = reverse("volunteers:list")


def names(response) -> list[str]:
    return sorted(volunteer.last_name for volunteer in response.context["page_obj"])


def test_list_shows_volunteers_with_their_data(client, coordinator, groceries, driving):
    VolunteerFactory(
        last_name="Abadie", categories=[groceries], skills=[driving], quartier=QuartierFactory(name="Centre")
    )
    html = client.get(LIST_URL).content.decode()
    assert "Abadie" in html and "Centre" in html and str(groceries) in html and str(driving) in html
    assert '<th scope="col">Statut</th>' in html and html.count("<h1") == 1
    assert "style=" not in html


def test_list_contact_column_shows_the_number_in_french_spacing(client, coordinator):
    VolunteerFactory(last_name="Abadie", phone="+33639980056")
    html = client.get(LIST_URL).content.decode()
    assert '<a href="tel:+33639980056" class="tel">06 39 98 00 56</a>' in html
    assert "+33639980056<" not in html


def test_list_query_count_is_constant(client, coordinator, groceries, driving, django_assert_num_queries):
    quartier = QuartierFactory()
    VolunteerFactory(categories=[groceries], skills=[driving], quartier=quartier)
    params = {"status": Status.REGISTERED, "q": "", "page": "1"}
    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST_URL, params)
    for _ in range(60):
        VolunteerFactory(categories=[groceries], skills=[driving], quartier=QuartierFactory())
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, params)
    assert len(response.context["page_obj"]) == 50


# session, user, OTP device, roles, volunteer profile of the user (navigation), town, count, page,
# skills, categories, and the three filter choice lists (quartier, skill, category).
LIST_QUERIES = 13


def test_list_is_paginated(client, coordinator):
    VolunteerFactory.create_batch(51)
    response = client.get(LIST_URL, {"page": "2"})
    assert len(response.context["page_obj"]) == 1
    assert client.get(LIST_URL, {"page": "n'importe quoi"}).status_code == 200


def test_filter_by_status_quartier_skill_category(client, coordinator, groceries, driving):
    north = QuartierFactory(name="Nord")
    reading = HelpCategory.objects.get(slug="lecture")
    VolunteerFactory(last_name="Actif", active=True, quartier=north, categories=[groceries], skills=[driving])
    VolunteerFactory(last_name="Inscrit", categories=[reading], skills=[Skill.objects.get(bit=6)])
    assert names(client.get(LIST_URL, {"status": Status.ACTIVE})) == ["Actif"]
    assert names(client.get(LIST_URL, {"quartier": north.pk})) == ["Actif"]
    assert names(client.get(LIST_URL, {"skill": driving.pk})) == ["Actif"]
    assert names(client.get(LIST_URL, {"category": reading.pk})) == ["Inscrit"]


def test_filter_by_availability_day_and_period(client, coordinator):
    VolunteerFactory(last_name="Lundi", availability=AVAILABILITY.to_mask(["mon_am"]))
    VolunteerFactory(last_name="Samedi", availability=AVAILABILITY.to_mask(["sat_eve", "mon_pm"]))
    assert names(client.get(LIST_URL, {"day": "0"})) == ["Lundi", "Samedi"]
    assert names(client.get(LIST_URL, {"day": "0", "period": "am"})) == ["Lundi"]
    assert names(client.get(LIST_URL, {"period": "eve"})) == ["Samedi"]
    assert names(client.get(LIST_URL, {"day": "5", "period": "am"})) == []


def test_search_on_name(client, coordinator):
    VolunteerFactory(first_name="Jeanne", last_name="Dupont")
    VolunteerFactory(first_name="Paul", last_name="Durand")
    assert names(client.get(LIST_URL, {"q": "jeanne dup"})) == ["Dupont"]
    assert names(client.get(LIST_URL, {"q": "du"})) == ["Dupont", "Durand"]


def test_search_on_name_ignores_accents_and_case(client, coordinator, django_assert_num_queries):
    VolunteerFactory(first_name="Hélène", last_name="Lefèvre")
    VolunteerFactory(first_name="Helene", last_name="LEFEVRE-Noël")
    VolunteerFactory(first_name="Hector", last_name="Dupont")
    assert names(client.get(LIST_URL, {"q": "helene"})) == ["LEFEVRE-Noël", "Lefèvre"]
    assert names(client.get(LIST_URL, {"q": "HÉLÈNE"})) == ["LEFEVRE-Noël", "Lefèvre"]
    assert names(client.get(LIST_URL, {"q": "hélène lefevre-noel"})) == ["LEFEVRE-Noël"]
    assert names(client.get(LIST_URL, {"q": "noël"})) == ["LEFEVRE-Noël"]
    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST_URL, {"q": "Hélène", "page": "1"})


def test_the_folded_name_follows_the_name(coordinator):
    volunteer = VolunteerFactory(first_name="Zoé", last_name="Bérard")
    assert Volunteer.objects.search_name("zoe berard").get() == volunteer
    volunteer.last_name = "Ångström"
    volunteer.save(update_fields=["last_name"])
    assert list(Volunteer.objects.search_name("berard")) == []
    assert Volunteer.objects.search_name("angstrom ZOE").get() == volunteer


def test_the_migration_folds_the_names_already_there(coordinator):
    """volunteers 0011 fills the new column of the volunteers already signed up."""
    volunteer = VolunteerFactory(first_name="Françoise", last_name="Côté")
    Volunteer.objects.update(search_name="")
    migration = importlib.import_module("villesolidaire.volunteers.migrations.0011_volunteer_search_name")
    migration.fill_search_names(django_apps, connection.schema_editor())
    assert Volunteer.objects.search_name("francoise cote").get() == volunteer


@pytest.mark.parametrize("params", [{"status": "nimporte"}, {"quartier": "abc"}, {"day": "9"}, {"q": "<script>" * 50}])
def test_bad_filter_values_do_not_break_the_page(client, coordinator, params):
    VolunteerFactory()
    assert client.get(LIST_URL, params).status_code == 200


def test_detail_shows_profile_history_and_supports(client, coordinator, groceries):
    volunteer = VolunteerFactory(last_name="Martin", skills_other="Couture")
    support = SupportFactory(volunteer=volunteer, help_request=HelpRequestFactory(category=groceries))
    html = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "Martin" in html and "Couture" in html and str(support.resident) in html
    assert 'value="validate"' in html and 'value="pause"' not in html
    assert 'id="formations-titre">Formations<' in html


def post_status(client, volunteer, action, **extra):
    return client.post(reverse("volunteers:change_status", args=[volunteer.pk]), {"action": action, **extra})


def test_validate_activates_logs_reindexes_and_sends_the_link(client, coordinator):
    volunteer = VolunteerFactory(phone="+33698765432")
    response = post_status(client, volunteer, "validate", reason="Entretien fait")
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE and volunteer.validated_at
    change = volunteer.status_changes.get()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        Status.REGISTERED,
        Status.ACTIVE,
        coordinator,
        "Entretien fait",
    )
    assert VolunteerMatchProfile.objects.get(volunteer=volunteer).is_eligible
    message = Message.objects.get(kind="volunteer_validated")
    assert message.recipient == "+33698765432" and "jeton=" in message.outgoing_body()
    assert gsm7_length(message.outgoing_body()) <= 160


def test_validation_requires_the_charter(client, coordinator):
    volunteer = VolunteerFactory(charter_accepted_at=None)
    response = post_status(client, volunteer, "validate")
    assert response.status_code == 200
    assert "n&#x27;a pas accepté la charte" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Status.REGISTERED and not volunteer.status_changes.exists()


@pytest.mark.parametrize(
    "status,action,expected",
    [
        (Status.ACTIVE, "pause", Status.PAUSED),
        (Status.ACTIVE, "reserve", Status.RESERVE),
        (Status.PAUSED, "reactivate", Status.ACTIVE),
        (Status.RESERVE, "reactivate", Status.ACTIVE),
    ],
)
def test_allowed_transitions(client, coordinator, status, action, expected):
    volunteer = VolunteerFactory(status=status)
    post_status(client, volunteer, action, reason="Motif")
    volunteer.refresh_from_db()
    assert volunteer.status == expected
    assert volunteer.status_changes.get().by == coordinator


@pytest.mark.parametrize(
    "status,action",
    [
        (Status.REGISTERED, "pause"),
        (Status.REGISTERED, "reserve"),
        (Status.REGISTERED, "reactivate"),
        (Status.ACTIVE, "validate"),
        (Status.RESERVE, "pause"),
        (Status.WITHDRAWN, "reactivate"),
        (Status.ACTIVE, "nimporte"),
    ],
)
def test_forbidden_transitions_change_nothing(client, coordinator, status, action):
    volunteer = VolunteerFactory(status=status)
    response = post_status(client, volunteer, action)
    assert response.status_code == 200
    assert "Cette action n&#x27;est pas possible" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == status and not volunteer.status_changes.exists()


def test_coordinator_withdrawal_needs_confirmation_then_anonymises(client, coordinator):
    volunteer = VolunteerFactory(active=True, last_name="Secret")
    response = post_status(client, volunteer, "withdraw")
    assert "Cochez la case pour confirmer" in response.content.decode()
    post_status(client, volunteer, "withdraw", confirm_withdrawal="on", reason="Ne répond plus")
    volunteer.refresh_from_db()
    assert volunteer.status == Status.WITHDRAWN and volunteer.last_name == "anonymisé·e"
    html = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "Secret" not in html and "Ne répond plus" in html


def test_over_long_reason_is_refused(client, coordinator):
    volunteer = VolunteerFactory(active=True)
    response = post_status(client, volunteer, "pause", reason="x" * 501)
    assert "500 caractères" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Status.ACTIVE


def test_status_change_needs_post(client, coordinator):
    volunteer = VolunteerFactory()
    assert client.get(reverse("volunteers:change_status", args=[volunteer.pk])).status_code == 405


# Permissions ----------------------------------------------------------------------------------------


def coordinator_urls(volunteer) -> list[str]:
    return [LIST_URL, reverse("volunteers:detail", args=[volunteer.pk])]


def test_anonymous_is_sent_to_login(client):
    volunteer = VolunteerFactory()
    for url in coordinator_urls(volunteer):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    response = post_status(client, volunteer, "validate")
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == Status.REGISTERED


def test_volunteer_gets_404_on_coordinator_pages(client):
    volunteer = VolunteerFactory(active=True)
    client.force_login(volunteer.user)
    for url in coordinator_urls(volunteer):
        assert client.get(url).status_code == 404
    assert post_status(client, volunteer, "pause").status_code == 404


def test_operator_without_coordinator_role_gets_404(client):
    login_staff(client, staff_user(Role.OPERATOR))
    volunteer = VolunteerFactory()
    for url in coordinator_urls(volunteer):
        assert client.get(url).status_code == 404
    assert post_status(client, volunteer, "validate").status_code == 404
    volunteer.refresh_from_db()
    assert volunteer.status == Status.REGISTERED


def test_unknown_volunteer_is_404(client, coordinator):
    assert client.get(reverse("volunteers:detail", args=[999999])).status_code == 404
