"""The referent space: only the referent's networks, only consenting neighbours."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import HelpCategoryFactory, ResidentFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory, StateRecordFactory
from villesolidaire.help_requests.enums import Channel, Status, Urgency
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.neighbours import services
from villesolidaire.neighbours.enums import NetworkStatus
from villesolidaire.neighbours.models import Alert, Neighbour, StateRecord
from villesolidaire.residents.models import Resident
from villesolidaire.volunteers.enums import Status as VolunteerStatus

REFERENT_URLS = ("neighbours:referent_network", "neighbours:referent_state_record", "neighbours:referent_alert")


@pytest.fixture
def network():
    return NetworkFactory()


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _as_referent(client, network):
    client.force_login(network.referent.user)
    return network.referent


def test_referent_sees_consenting_neighbours_only(client, network):
    consenting = NeighbourFactory(network=network, consenting=True, first_name="Albertine", last_name="Consentie")
    NeighbourFactory(network=network, first_name="Bérénice", last_name="Sansaccord")
    withdrawn = NeighbourFactory(network=network, consenting=True, first_name="Clovis", last_name="Retire")
    services.consent_withdraw(neighbour=withdrawn, by=staff_user())
    _as_referent(client, network)

    page = _text(client.get(reverse("neighbours:referent_network", args=[network.pk])))

    assert "Albertine Consentie" in page
    assert "Sansaccord" not in page
    assert "Retire" not in page
    assert str(consenting.phone.as_national) in page


def test_withdrawn_consent_hides_the_neighbour_again(client, network):
    neighbour = NeighbourFactory(network=network, consenting=True, last_name="Vuepuiscachee")
    _as_referent(client, network)
    url = reverse("neighbours:referent_network", args=[network.pk])
    assert "Vuepuiscachee" in _text(client.get(url))

    services.consent_withdraw(neighbour=neighbour, by=staff_user())

    assert "Vuepuiscachee" not in _text(client.get(url))
    alert_page = _text(client.get(reverse("neighbours:referent_alert", args=[network.pk])))
    assert "Vuepuiscachee" not in alert_page


def test_neighbour_of_another_network_never_appears(client, network):
    NeighbourFactory(consenting=True, last_name="Ailleurs")
    _as_referent(client, network)
    assert "Ailleurs" not in _text(client.get(reverse("neighbours:referent_network", args=[network.pk])))


@pytest.mark.parametrize("name", REFERENT_URLS)
def test_another_volunteer_gets_404(client, network, name):
    client.force_login(VolunteerFactory(active=True).user)
    url = reverse(name, args=[network.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x", "visited_on": "2026-01-01"}).status_code == 404


@pytest.mark.parametrize("name", REFERENT_URLS)
def test_co_referent_may_act(client, name):
    co_referent = VolunteerFactory(active=True)
    network = NetworkFactory(co_referent=co_referent)
    client.force_login(co_referent.user)
    assert client.get(reverse(name, args=[network.pk])).status_code == 200


def test_referent_who_is_no_longer_active_gets_404(client, network):
    network.referent.status = VolunteerStatus.PAUSED
    network.referent.save()
    _as_referent(client, network)
    assert client.get(reverse("neighbours:referent_network", args=[network.pk])).status_code == 404
    assert client.get(reverse("neighbours:referent_networks")).status_code == 200


def test_closed_network_is_gone_from_the_referent_space(client, network):
    services.network_change_status(network=network, to_status=NetworkStatus.CLOSED, by=staff_user())
    _as_referent(client, network)
    assert client.get(reverse("neighbours:referent_network", args=[network.pk])).status_code == 404
    assert network.name not in _text(client.get(reverse("neighbours:referent_networks")))


def test_staff_without_volunteer_profile_gets_404(client, network):
    login_staff(client, staff_user())
    assert client.get(reverse("neighbours:referent_network", args=[network.pk])).status_code == 404


def test_anonymous_visitor_is_sent_to_the_magic_link_page(client, network):
    response = client.get(reverse("neighbours:referent_network", args=[network.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:magic_link_request")


def test_networks_list_shows_only_led_networks(client, network):
    other = NetworkFactory(name="Réseau d'un·e autre")
    _as_referent(client, network)
    page = _text(client.get(reverse("neighbours:referent_networks")))
    assert network.name in page
    assert other.name not in page


# State records ---------------------------------------------------------------------------------


def _record_data(**overrides) -> dict:
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "households_count": "14",
        "living_alone_count": "5",
        "isolated_count": "2",
        "place_notes": "Ascenseur en panne depuis lundi.",
        "existing_links": "Les voisins du 2e se connaissent bien.",
        "missing_links": "Personne ne voit le 5e.",
        "needs_spotted": "Courses pour le 4e pendant la panne.",
        "notes": "",
    }
    return {**data, **overrides}


def test_referent_adds_a_state_record_and_history_is_kept(client, network):
    StateRecordFactory(
        network=network, visited_on=timezone.localdate() - datetime.timedelta(days=30), place_notes="Hall propre."
    )
    _as_referent(client, network)
    response = client.post(reverse("neighbours:referent_state_record", args=[network.pk]), _record_data())
    assert response.status_code == 302

    records = list(network.state_records.all())
    today = timezone.localdate()
    assert [r.visited_on for r in records] == [today, today - datetime.timedelta(days=30)]
    newest = records[0]
    assert (newest.households_count, newest.living_alone_count, newest.isolated_count) == (14, 5, 2)
    assert newest.author == network.referent.user
    page = _text(client.get(reverse("neighbours:referent_network", args=[network.pk])))
    assert "Ascenseur en panne" in page and "Hall propre." in page


def test_the_same_visit_cannot_be_filed_twice(client, network):
    _as_referent(client, network)
    url = reverse("neighbours:referent_state_record", args=[network.pk])
    assert client.post(url, _record_data()).status_code == 302
    response = client.post(url, _record_data(place_notes="Deuxième envoi"))
    assert response.status_code == 400
    assert "existe déjà" in _text(response)
    assert StateRecord.objects.filter(network=network).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visited_on": ""}, "Indiquez la date de la visite."),
        ({"visited_on": "pas une date"}, "Date invalide"),
        ({"visited_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}, "dans le futur"),
        ({"visited_on": "2001-01-01"}, "trop ancienne"),
        ({"households_count": "-3"}, "négatif"),
        ({"households_count": "douze"}, "nombre entier"),
        ({"isolated_count": "99999"}, "5000"),
        ({"households_count": "3", "living_alone_count": "7"}, "plus de personnes seules que de foyers"),
        ({"notes": "<script>alert(1)</script>"}, "ne sont pas autorisés"),
        ({"place_notes": "x" * 2001}, "2000"),
        ({"existing_links": "invisible\u200bici"}, "invisibles"),
    ],
)
def test_state_record_bad_input(client, network, overrides, message):
    _as_referent(client, network)
    response = client.post(reverse("neighbours:referent_state_record", args=[network.pk]), _record_data(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not StateRecord.objects.exists()


def test_paused_network_takes_no_state_record(client, network):
    services.network_change_status(network=network, to_status=NetworkStatus.PAUSED, by=staff_user())
    _as_referent(client, network)
    response = client.post(reverse("neighbours:referent_state_record", args=[network.pk]), _record_data())
    assert response.status_code == 400
    assert not StateRecord.objects.exists()


# Alerts -----------------------------------------------------------------------------------------


def _alert_data(**overrides) -> dict:
    data = {
        "neighbour": "",
        "category": "",
        "urgency": Urgency.HIGH,
        "text": "Volets fermés depuis trois jours, ne répond pas.",
        "person_agrees": "unknown",
    }
    return {**data, **overrides}


def test_alert_about_a_neighbour_becomes_a_help_request_on_a_new_resident_file(client, network):
    category = HelpCategoryFactory(name="Visite de convivialité")
    neighbour = NeighbourFactory(
        network=network,
        consenting=True,
        first_name="Odette",
        last_name="Lavoisine",
        phone="+33145678901",
        location="5e droite",
    )
    referent = _as_referent(client, network)

    response = client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(neighbour=neighbour.pk, category=category.pk),
    )

    assert response.status_code == 302
    alert = Alert.objects.get()
    help_request = alert.help_request
    assert (alert.neighbour, alert.raised_by, alert.urgency) == (neighbour, referent, Urgency.HIGH)
    assert help_request.status == Status.NEW
    assert help_request.channel == Channel.NEIGHBOURS
    assert help_request.category == category
    assert help_request.urgency == Urgency.HIGH
    assert network.name in help_request.description and "Volets fermés" in help_request.description
    assert help_request.reporter_name == str(referent)
    assert network.name in help_request.reporter_relation
    resident = help_request.resident
    assert (resident.first_name, resident.last_name, str(resident.phone)) == ("Odette", "Lavoisine", "01 45 67 89 01")
    assert resident.address == network.address and resident.address_complement == "5e droite"
    assert "réseau de voisinage" in resident.notes
    neighbour.refresh_from_db()
    assert neighbour.resident == resident
    assert help_request.transitions.get().to_status == Status.NEW


def test_alert_request_is_in_the_coordinators_list_with_the_right_resident(client, network):
    category = HelpCategoryFactory()
    neighbour = NeighbourFactory(network=network, consenting=True, first_name="Gaston", last_name="Duplanchier")
    ResidentFactory(first_name="Autre", last_name="Personne")
    _as_referent(client, network)
    client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(neighbour=neighbour.pk, category=category.pk),
    )
    help_request = HelpRequest.objects.get()

    client.logout()
    login_staff(client, staff_user())
    page = _text(client.get(reverse("help_requests:list")))
    assert reverse("help_requests:detail", args=[help_request.pk]) in page
    assert "Duplanchier" in page
    detail = _text(client.get(reverse("help_requests:detail", args=[help_request.pk])))
    assert "Gaston" in detail and "Duplanchier" in detail
    network_page = _text(client.get(reverse("neighbours:detail", args=[network.pk])))
    assert f"Demande n° {help_request.pk}" in network_page


def test_alert_uses_the_resident_file_already_linked(client, network):
    resident = ResidentFactory(first_name="Irène", last_name="Connue")
    neighbour = NeighbourFactory(network=network, consenting=True, resident=resident)
    _as_referent(client, network)
    client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(neighbour=neighbour.pk, category=HelpCategoryFactory().pk),
    )
    assert HelpRequest.objects.get().resident == resident
    assert Resident.objects.count() == 1


def test_alert_finds_the_existing_file_by_phone(client, network):
    resident = ResidentFactory(phone="+33145000001")
    neighbour = NeighbourFactory(network=network, consenting=True, phone="+33145000001")
    _as_referent(client, network)
    client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(neighbour=neighbour.pk, category=HelpCategoryFactory().pk),
    )
    assert HelpRequest.objects.get().resident == resident
    neighbour.refresh_from_db()
    assert neighbour.resident == resident


def test_alert_about_the_place_waits_for_the_coordinators(client, network):
    _as_referent(client, network)
    response = client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(text="Éclairage du hall en panne, escalier dans le noir."),
    )
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.neighbour is None and alert.help_request is None
    assert not HelpRequest.objects.exists()
    assert list(Alert.objects.to_handle()) == [alert]


def test_alert_on_a_neighbour_without_consent_is_refused(client, network):
    neighbour = NeighbourFactory(network=network)
    _as_referent(client, network)
    response = client.post(
        reverse("neighbours:referent_alert", args=[network.pk]),
        _alert_data(neighbour=neighbour.pk, category=HelpCategoryFactory().pk),
    )
    assert response.status_code == 400
    assert "pas (ou plus) donné son accord" in _text(response)
    assert not Alert.objects.exists() and not HelpRequest.objects.exists()


def test_consent_withdrawn_between_form_and_service_saves_nothing(network):
    neighbour = NeighbourFactory(network=network, consenting=True)
    stale = Neighbour.objects.get(pk=neighbour.pk)
    services.consent_withdraw(neighbour=neighbour, by=staff_user())
    with pytest.raises(Exception, match="accord"):
        services.alert_raise(
            network=network,
            volunteer=network.referent,
            text="x",
            urgency=Urgency.NORMAL,
            neighbour=stale,
            category=HelpCategoryFactory(),
        )
    assert not Alert.objects.exists() and not HelpRequest.objects.exists() and not Resident.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "Décrivez la situation"),
        ({"text": "a" * 1501}, "1500"),
        ({"text": "<b>alerte</b>"}, "ne sont pas autorisés"),
        ({"urgency": "apocalypse"}, "Sélectionnez un choix valide"),
        ({"person_agrees": "peut-être"}, "Sélectionnez un choix valide"),
        ({"neighbour": "999999"}, "pas (ou plus) donné son accord"),
        ({"neighbour": "abc"}, "pas (ou plus) donné son accord"),
        ({"category": "999999"}, "n'est plus proposé"),
    ],
)
def test_alert_bad_input(client, network, overrides, message):
    _as_referent(client, network)
    response = client.post(reverse("neighbours:referent_alert", args=[network.pk]), _alert_data(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not Alert.objects.exists()


def test_alert_about_a_person_without_a_kind_of_help_is_filed_as_other(client, network):
    from tests.factories import HelpCategoryFactory

    other = HelpCategoryFactory(slug="autre", name="Autre")
    neighbour = NeighbourFactory(network=network, consenting=True)
    _as_referent(client, network)
    url = reverse("neighbours:referent_alert", args=[network.pk])
    response = client.post(url, _alert_data(neighbour=neighbour.pk))
    assert response.status_code == 302
    assert Alert.objects.get().help_request.category == other


def test_alert_about_a_person_needs_a_kind_of_help_when_there_is_no_other(client, network):
    from villesolidaire.help_requests.models import HelpCategory

    HelpCategory.objects.filter(slug="autre").update(is_active=False)
    neighbour = NeighbourFactory(network=network, consenting=True)
    _as_referent(client, network)
    url = reverse("neighbours:referent_alert", args=[network.pk])
    response = client.post(url, _alert_data(neighbour=neighbour.pk))
    assert response.status_code == 400
    assert "Choisissez le type d'aide" in _text(response)
    assert not Alert.objects.exists()


def test_paused_network_takes_no_alert(client, network):
    services.network_change_status(network=network, to_status=NetworkStatus.PAUSED, by=staff_user())
    _as_referent(client, network)
    response = client.post(reverse("neighbours:referent_alert", args=[network.pk]), _alert_data())
    assert response.status_code == 400
    assert "pas actif" in _text(response)
    assert not Alert.objects.exists()


def test_referent_page_query_count_does_not_grow(client, network, django_assert_max_num_queries):
    _as_referent(client, network)
    url = reverse("neighbours:referent_network", args=[network.pk])
    NeighbourFactory(network=network, consenting=True)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    NeighbourFactory.create_batch(15, network=network, consenting=True)
    StateRecordFactory.create_batch(3, network=network, visited_on=factory_dates())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def factory_dates():
    import factory

    return factory.Iterator([timezone.localdate() - datetime.timedelta(days=d) for d in (10, 20, 30)])


def test_referent_reading_neighbours_is_logged(client, network):
    from villesolidaire.audit.models import AuditEntry

    _as_referent(client, network)
    client.get(reverse("neighbours:referent_network", args=[network.pk]))
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.object_type, entry.object_id) == (
        network.referent.user,
        "neighbours.Network",
        str(network.pk),
    )


def test_huge_neighbour_number_is_refused_cleanly(client, network):
    _as_referent(client, network)
    url = reverse("neighbours:referent_alert", args=[network.pk])
    assert client.get(url, {"voisin": "9" * 30}).status_code == 200
    assert client.post(url, _alert_data(neighbour="9" * 30)).status_code == 400
