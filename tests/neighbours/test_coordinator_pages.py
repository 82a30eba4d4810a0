"""Coordinator pages under gestion/voisinage/."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import QuartierFactory, ResidentFactory, VolunteerFactory, login_staff, staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory, StateRecordFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.help_requests.enums import Urgency
from villesolidaire.neighbours import services
from villesolidaire.neighbours.enums import ConsentAction, ConsentMethod, NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import Alert, ConsentEvent, Neighbour, Network, NetworkStatusChange


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_operator_gets_404(client):
    login_staff(client, staff_user(Role.OPERATOR))
    assert client.get(reverse("neighbours:list")).status_code == 404


# List ---------------------------------------------------------------------------------------------


def test_list_filters_by_quartier_and_status(client, coordinator):
    north, south = QuartierFactory(name="Nord"), QuartierFactory(name="Sud")
    NetworkFactory(name="Tour Nord active", quartier=north)
    NetworkFactory(name="Tour Nord en pause", quartier=north, status=NetworkStatus.PAUSED)
    NetworkFactory(name="Rue du Sud", quartier=south, kind=NetworkKind.STREET)

    page = _text(client.get(reverse("neighbours:list"), {"quartier": north.pk}))
    assert "Tour Nord active" in page and "Tour Nord en pause" in page and "Rue du Sud" not in page

    page = _text(client.get(reverse("neighbours:list"), {"quartier": north.pk, "status": NetworkStatus.PAUSED}))
    assert "Tour Nord en pause" in page and "Tour Nord active" not in page

    page = _text(client.get(reverse("neighbours:list"), {"kind": NetworkKind.STREET}))
    assert "Rue du Sud" in page and "Tour Nord" not in page


def test_list_with_bad_filter_shows_nothing_and_no_error(client, coordinator):
    NetworkFactory(name="Résidence visible")
    response = client.get(reverse("neighbours:list"), {"status": "n-importe-quoi", "quartier": "abc"})
    assert response.status_code == 200
    assert "Résidence visible" not in _text(response)
    assert "Sélectionnez un choix valide" in _text(response)


def test_list_counts_consenting_neighbours_and_alerts_without_mixing_rows(client, coordinator):
    network = NetworkFactory(name="Résidence comptée")
    NeighbourFactory.create_batch(3, network=network, consenting=True)
    NeighbourFactory(network=network)
    Alert.objects.create(network=network, raised_by=network.referent, text="a", urgency=Urgency.NORMAL)
    Alert.objects.create(network=network, raised_by=network.referent, text="b", urgency=Urgency.NORMAL)
    StateRecordFactory(network=network, visited_on=datetime.date(2026, 3, 4))
    row = Network.objects.with_list_data().get(pk=network.pk)
    assert (row.neighbour_count, row.consenting_count, row.open_alert_count) == (4, 3, 2)
    assert row.last_visit == datetime.date(2026, 3, 4)
    page = _text(client.get(reverse("neighbours:list")))
    assert "3 / 4" in page and "04/03/2026" in page


def _populate(count: int) -> None:
    for index in range(count):
        network = NetworkFactory(quartier=QuartierFactory(), co_referent=VolunteerFactory(active=True))
        NeighbourFactory.create_batch(2, network=network, consenting=True)
        StateRecordFactory(network=network, visited_on=timezone.localdate() - datetime.timedelta(days=index))
        Alert.objects.create(network=network, raised_by=network.referent, text="x", urgency=Urgency.NORMAL)


def test_list_query_count_does_not_grow_with_rows(client, coordinator, django_assert_max_num_queries):
    _populate(1)
    url = reverse("neighbours:list")
    client.get(url)
    with django_assert_max_num_queries(15) as one_row:
        assert client.get(url, {"status": NetworkStatus.ACTIVE}).status_code == 200
    _populate(12)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url, {"status": NetworkStatus.ACTIVE})
    assert response.context["page_obj"].paginator.count == 13


def test_alert_list_query_count_does_not_grow_with_rows(client, coordinator, django_assert_max_num_queries):
    _populate(1)
    url = reverse("neighbours:alerts")
    client.get(url)
    with django_assert_max_num_queries(15) as one_row:
        client.get(url)
    _populate(12)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(url)
    assert response.context["page_obj"].paginator.count == 13


def test_state_records_history_query_count_does_not_grow(client, coordinator, django_assert_max_num_queries):
    network = NetworkFactory()
    StateRecordFactory(network=network)
    url = reverse("neighbours:state_records", args=[network.pk])
    client.get(url)
    with django_assert_max_num_queries(15) as one_row:
        client.get(url)
    for days in range(1, 15):
        StateRecordFactory(network=network, visited_on=timezone.localdate() - datetime.timedelta(days=days))
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        client.get(url)


def test_detail_query_count_does_not_grow_with_neighbours(client, coordinator, django_assert_max_num_queries):
    network = NetworkFactory()
    NeighbourFactory(network=network, consenting=True, resident=ResidentFactory())
    url = reverse("neighbours:detail", args=[network.pk])
    client.get(url)
    with django_assert_max_num_queries(20) as one_row:
        client.get(url)
    for _ in range(10):
        NeighbourFactory(network=network, consenting=True, resident=ResidentFactory(), consent_recorded_by=coordinator)
        Alert.objects.create(network=network, raised_by=network.referent, text="x", urgency=Urgency.NORMAL)
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        client.get(url)


# Create and edit ------------------------------------------------------------------------------


def _network_data(**overrides) -> dict:
    data = {
        "name": "Résidence Les Acacias",
        "kind": NetworkKind.BUILDING,
        "address": "12 allée des Acacias",
        "address_complement": "Bâtiment B",
        "postcode": "99001",
        "city": "Bourg-Solidaire",
        "quartier": "",
    }
    return {**data, **overrides}


def test_create_network_then_name_the_referent(client, coordinator):
    quartier = QuartierFactory()
    response = client.post(reverse("neighbours:create"), _network_data(quartier=quartier.pk))
    network = Network.objects.get()
    assert response["Location"] == reverse("neighbours:referents", args=[network.pk])
    assert (network.name, network.kind, network.status) == (
        "Résidence Les Acacias",
        NetworkKind.BUILDING,
        NetworkStatus.ACTIVE,
    )
    assert network.created_by == coordinator
    # The geocoder does not know the address (no BAN rows): kept as typed, quartier chosen by hand.
    assert network.address == "12 allée des Acacias" and not network.is_located
    assert network.quartier == quartier
    assert NetworkStatusChange.objects.get(network=network).to_status == NetworkStatus.ACTIVE


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Ce champ est obligatoire"),
        ({"name": "<b>Tour</b>"}, "ne sont pas autorisés"),
        ({"kind": "chateau"}, "Sélectionnez un choix valide"),
        ({"address": ""}, "Ce champ est obligatoire"),
        ({"postcode": "ABCDE"}, "Code postal attendu"),
        ({"quartier": "999999"}, "Sélectionnez un choix valide"),
        ({"name": "x" * 121}, "120"),
    ],
)
def test_create_network_bad_input(client, coordinator, overrides, message):
    response = client.post(reverse("neighbours:create"), _network_data(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not Network.objects.exists()


def test_edit_network(client, coordinator):
    network = NetworkFactory(name="Ancien nom")
    response = client.post(
        reverse("neighbours:edit", args=[network.pk]),
        _network_data(name="Nouveau nom", kind=NetworkKind.STREET, address="rue des Lilas"),
    )
    assert response.status_code == 302
    network.refresh_from_db()
    assert (network.name, network.kind, network.address) == ("Nouveau nom", NetworkKind.STREET, "rue des Lilas")


def test_edit_network_bad_input_changes_nothing(client, coordinator):
    network = NetworkFactory(name="Nom gardé")
    response = client.post(reverse("neighbours:edit", args=[network.pk]), _network_data(name=""))
    assert response.status_code == 400
    network.refresh_from_db()
    assert network.name == "Nom gardé"


def test_unknown_network_is_404(client, coordinator):
    assert client.get(reverse("neighbours:detail", args=[999999])).status_code == 404
    assert client.get(reverse("neighbours:edit", args=[999999])).status_code == 404


# Referents --------------------------------------------------------------------------------------


def test_referent_page_proposes_active_volunteers_of_the_quartier_and_by_name(client, coordinator):
    quartier = QuartierFactory()
    network = NetworkFactory(referent=None, quartier=quartier)
    VolunteerFactory(active=True, quartier=quartier, last_name="Duquartier")
    VolunteerFactory(quartier=quartier, last_name="Pasencorevalide")
    VolunteerFactory(active=True, last_name="Lointaine")
    url = reverse("neighbours:referents", args=[network.pk])
    page = _text(client.get(url))
    assert "Duquartier" in page and "Pasencorevalide" not in page and "Lointaine" not in page
    page = _text(client.get(url, {"q": "Lointaine"}))
    assert "Lointaine" in page


def test_name_referent_and_co_referent(client, coordinator):
    network = NetworkFactory(referent=None)
    referent, co_referent = VolunteerFactory(active=True), VolunteerFactory(active=True)
    response = client.post(
        reverse("neighbours:referents", args=[network.pk]), {"referent": referent.pk, "co_referent": co_referent.pk}
    )
    assert response.status_code == 302
    network.refresh_from_db()
    assert (network.referent, network.co_referent) == (referent, co_referent)


@pytest.mark.parametrize("case", ["inactive", "same", "missing", "unknown", "garbage"])
def test_referent_bad_input(client, coordinator, case):
    current = VolunteerFactory(active=True)
    network = NetworkFactory(referent=current)
    active = VolunteerFactory(active=True)
    data = {
        "inactive": {"referent": VolunteerFactory().pk},
        "same": {"referent": active.pk, "co_referent": active.pk},
        "missing": {"referent": ""},
        "unknown": {"referent": 999999},
        "garbage": {"referent": "abc", "co_referent": "xyz"},
    }[case]
    response = client.post(reverse("neighbours:referents", args=[network.pk]), data)
    assert response.status_code == 400
    assert "error-summary" in _text(response)
    network.refresh_from_db()
    assert network.referent == current and network.co_referent is None


def test_service_refuses_inactive_referent():
    network = NetworkFactory()
    with pytest.raises(Exception, match="actif"):
        services.network_set_referents(network=network, referent=VolunteerFactory(), co_referent=None, by=staff_user())


# Status ------------------------------------------------------------------------------------------


def test_status_changes_follow_the_workflow_and_are_logged(client, coordinator):
    network = NetworkFactory()
    url = reverse("neighbours:status", args=[network.pk])
    assert client.post(url, {"target": NetworkStatus.PAUSED, "reason": "Référente en vacances"}).status_code == 302
    assert client.post(url, {"target": NetworkStatus.CLOSED}).status_code == 302
    network.refresh_from_db()
    assert network.status == NetworkStatus.CLOSED
    response = client.post(url, {"target": NetworkStatus.ACTIVE})
    assert response.status_code == 400
    network.refresh_from_db()
    assert network.status == NetworkStatus.CLOSED
    steps = list(NetworkStatusChange.objects.filter(network=network).values_list("to_status", "by", "note"))
    assert steps == [
        (NetworkStatus.PAUSED, coordinator.pk, "Référente en vacances"),
        (NetworkStatus.CLOSED, coordinator.pk, ""),
    ]


def test_status_get_is_refused(client, coordinator):
    network = NetworkFactory()
    assert client.get(reverse("neighbours:status", args=[network.pk])).status_code == 405


# Neighbours and consent -------------------------------------------------------------------------


def _neighbour_data(**overrides) -> dict:
    data = {
        "first_name": "Suzanne",
        "last_name": "Du Cinquième",
        "location": "5e gauche",
        "phone": "01 45 00 00 09",
        "mobile": "",
        "resident_number": "",
        "consent_method": "",
        "consent_date": "",
    }
    return {**data, **overrides}


def test_add_neighbour_without_consent_is_not_visible_to_the_referent(client, coordinator):
    network = NetworkFactory()
    response = client.post(reverse("neighbours:neighbour_add", args=[network.pk]), _neighbour_data())
    assert response.status_code == 302
    neighbour = Neighbour.objects.get()
    assert not neighbour.has_consent
    assert neighbour.created_by == coordinator
    assert not Neighbour.objects.consenting().exists()


def test_add_neighbour_with_written_consent_and_resident_file(client, coordinator):
    network = NetworkFactory()
    resident = ResidentFactory()
    day = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(
        reverse("neighbours:neighbour_add", args=[network.pk]),
        _neighbour_data(
            consent_method=ConsentMethod.WRITTEN,
            consent_date=day.isoformat(),
            resident_number=resident.pk,
            mobile="06 12 34 56 78",
        ),
    )
    assert response.status_code == 302
    neighbour = Neighbour.objects.get()
    assert neighbour.has_consent
    assert neighbour.consent_method == ConsentMethod.WRITTEN
    assert timezone.localtime(neighbour.consent_given_at).date() == day
    assert neighbour.consent_recorded_by == coordinator
    assert neighbour.resident == resident
    assert str(neighbour.mobile) == "06 12 34 56 78"
    event = ConsentEvent.objects.get()
    assert (event.action, event.method, event.by) == (ConsentAction.GIVEN, ConsentMethod.WRITTEN, coordinator)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": ""}, "Ce champ est obligatoire"),
        ({"last_name": "R2D2"}, "Utilisez uniquement des lettres"),
        ({"phone": "123"}, "Numéro de téléphone invalide"),
        ({"mobile": "01 45 00 00 01"}, "n'est pas un mobile"),
        ({"resident_number": "999999"}, "Aucune fiche habitant·e en cours"),
        ({"resident_number": "douze"}, "numéro de la fiche"),
        ({"consent_method": ConsentMethod.ORAL_CCAS, "consent_date": ""}, "Indiquez la date"),
        ({"consent_method": ConsentMethod.ORAL_CCAS, "consent_date": "2099-01-01"}, "dans le futur"),
        ({"consent_method": ConsentMethod.ORAL_CCAS, "consent_date": "31/02/2026"}, "Date invalide"),
        ({"consent_method": "par télépathie"}, "Sélectionnez un choix valide"),
        ({"location": "<i>5e</i>"}, "ne sont pas autorisés"),
    ],
)
def test_add_neighbour_bad_input(client, coordinator, overrides, message):
    network = NetworkFactory()
    response = client.post(reverse("neighbours:neighbour_add", args=[network.pk]), _neighbour_data(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert not Neighbour.objects.exists() and not ConsentEvent.objects.exists()


def test_merged_resident_file_cannot_be_linked(client, coordinator):
    network = NetworkFactory()
    target = ResidentFactory()
    merged = ResidentFactory(merged_into=target)
    response = client.post(
        reverse("neighbours:neighbour_add", args=[network.pk]), _neighbour_data(resident_number=merged.pk)
    )
    assert response.status_code == 400
    assert not Neighbour.objects.exists()


def test_record_then_withdraw_then_record_consent_keeps_history(client, coordinator):
    neighbour = NeighbourFactory()
    record_url = reverse("neighbours:consent_record", args=[neighbour.pk])
    withdraw_url = reverse("neighbours:consent_withdraw", args=[neighbour.pk])
    today = timezone.localdate().isoformat()

    assert client.post(record_url, {"method": ConsentMethod.ORAL_CCAS, "consent_date": today}).status_code == 302
    neighbour.refresh_from_db()
    assert neighbour.has_consent and neighbour.consent_recorded_by == coordinator

    assert client.post(withdraw_url, {"note": "Ne souhaite plus être suivie."}).status_code == 302
    neighbour.refresh_from_db()
    assert not neighbour.has_consent and neighbour.consent_withdrawn_at is not None

    assert client.post(record_url, {"method": ConsentMethod.WRITTEN, "consent_date": today}).status_code == 302
    neighbour.refresh_from_db()
    assert neighbour.has_consent and neighbour.consent_method == ConsentMethod.WRITTEN

    events = list(ConsentEvent.objects.filter(neighbour=neighbour).values_list("action", "note"))
    assert events == [
        (ConsentAction.GIVEN, ""),
        (ConsentAction.WITHDRAWN, "Ne souhaite plus être suivie."),
        (ConsentAction.GIVEN, ""),
    ]
    page = _text(client.get(withdraw_url))
    assert "Ne souhaite plus être suivie." in page


def test_consent_cannot_be_recorded_twice_nor_withdrawn_when_absent(client, coordinator):
    consenting, without = NeighbourFactory(consenting=True), NeighbourFactory()
    response = client.post(
        reverse("neighbours:consent_record", args=[consenting.pk]),
        {"method": ConsentMethod.ORAL_CCAS, "consent_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400 and "déjà enregistré" in _text(response)
    response = client.post(reverse("neighbours:consent_withdraw", args=[without.pk]), {})
    assert response.status_code == 400 and "rien à retirer" in _text(response)
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "", "consent_date": "2026-01-01"}, "Indiquez comment"),
        ({"method": ConsentMethod.WRITTEN, "consent_date": ""}, "Indiquez la date"),
        ({"method": ConsentMethod.WRITTEN, "consent_date": "1999-12-31"}, "trop ancienne"),
        (
            {"method": ConsentMethod.WRITTEN, "consent_date": timezone.localdate().isoformat(), "note": "a\u202eb"},
            "invisibles",
        ),
    ],
)
def test_consent_bad_input(client, coordinator, data, message):
    neighbour = NeighbourFactory()
    response = client.post(reverse("neighbours:consent_record", args=[neighbour.pk]), data)
    assert response.status_code == 400
    assert message in _text(response)
    neighbour.refresh_from_db()
    assert not neighbour.has_consent


def test_withdraw_bad_input(client, coordinator):
    neighbour = NeighbourFactory(consenting=True)
    response = client.post(reverse("neighbours:consent_withdraw", args=[neighbour.pk]), {"note": "x" * 301})
    assert response.status_code == 400
    neighbour.refresh_from_db()
    assert neighbour.has_consent


def test_detail_shows_every_neighbour_with_consent_state(client, coordinator):
    network = NetworkFactory()
    NeighbourFactory(network=network, consenting=True, last_name="Daccord")
    NeighbourFactory(network=network, last_name="Sansaccord")
    page = _text(client.get(reverse("neighbours:detail", args=[network.pk])))
    assert "Daccord" in page and "Sansaccord" in page and "pas encore d'accord" in page


# State records and alerts -----------------------------------------------------------------------


def test_state_records_history_newest_first(client, coordinator):
    network = NetworkFactory()
    StateRecordFactory(network=network, visited_on=datetime.date(2026, 1, 10), place_notes="Visite de janvier")
    StateRecordFactory(network=network, visited_on=datetime.date(2026, 3, 10), place_notes="Visite de mars")
    StateRecordFactory(visited_on=datetime.date(2026, 2, 10), place_notes="Autre réseau")
    page = _text(client.get(reverse("neighbours:state_records", args=[network.pk])))
    assert page.index("Visite de mars") < page.index("Visite de janvier")
    assert "Autre réseau" not in page


def test_state_records_keep_20_per_page(client, coordinator, settings):
    settings.VS_PAGE_SIZE = 5  # this list does not follow the default page size
    network = NetworkFactory()
    for days in range(21):
        StateRecordFactory(network=network, visited_on=timezone.localdate() - datetime.timedelta(days=days))
    page = client.get(reverse("neighbours:state_records", args=[network.pk])).context["page_obj"]
    assert page.paginator.per_page == 20 and len(page.object_list) == 20 and page.paginator.num_pages == 2


def test_alert_list_and_mark_handled(client, coordinator):
    network = NetworkFactory()
    alert = Alert.objects.create(
        network=network, raised_by=network.referent, text="Hall sans lumière", urgency=Urgency.NORMAL
    )
    assert "Hall sans lumière" in _text(client.get(reverse("neighbours:alerts")))

    assert client.post(reverse("neighbours:alert_handled", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.handled_by == coordinator and alert.handled_at is not None
    assert "Hall sans lumière" not in _text(client.get(reverse("neighbours:alerts")))
    assert "Hall sans lumière" in _text(client.get(reverse("neighbours:alerts"), {"etat": "toutes"}))

    response = client.post(reverse("neighbours:alert_handled", args=[alert.pk]), follow=True)
    assert "déjà marquée" in _text(response)


def test_geocoded_address_places_the_network_in_its_quartier(client, coordinator):
    from tests.factories import TownFactory
    from villesolidaire.core.text import fold
    from villesolidaire.territory.models import BanAddress

    TownFactory()
    here = QuartierFactory(name="Les Acacias", centre_latitude=48.11, centre_longitude=-1.68)
    elsewhere = QuartierFactory(name="Ailleurs", centre_latitude=48.30, centre_longitude=-1.40)
    BanAddress.objects.create(
        ban_id="99001_0001_00012",
        numero="12",
        nom_voie="Allée des Acacias",
        code_postal="99001",
        code_insee="99001",
        nom_commune="Bourg-Solidaire",
        longitude=-1.6801,
        latitude=48.1101,
        search_text=fold("Allée des Acacias Bourg-Solidaire"),
    )
    client.post(reverse("neighbours:create"), _network_data(quartier=elsewhere.pk))
    network = Network.objects.get()
    assert network.is_located and network.ban_id == "99001_0001_00012"
    assert network.quartier == here


def test_newly_named_referents_get_a_link_to_their_network(client, coordinator):
    from villesolidaire.notifications.models import Message

    network = NetworkFactory(referent=None, name="Résidence des Mésanges")
    referent = VolunteerFactory(active=True, phone="+33612345670")
    co_referent = VolunteerFactory(active=True, phone="")
    url = reverse("neighbours:referents", args=[network.pk])
    client.post(url, {"referent": referent.pk, "co_referent": co_referent.pk})

    sms = Message.objects.get(kind="neighbours_referent_named", channel="sms")
    assert sms.recipient == "+33612345670" and "Résidence des Mésanges" in sms.body
    assert "suivant=%2Fmon-espace%2Fvoisinage%2F" in sms.outgoing_body() and "jeton" not in sms.body
    email = Message.objects.get(kind="neighbours_referent_named", channel="email")
    assert email.recipient == co_referent.email and "co-référent·e" in email.body

    client.post(url, {"referent": referent.pk, "co_referent": co_referent.pk})
    assert Message.objects.filter(kind="neighbours_referent_named").count() == 2


def test_edit_neighbour_keeps_consent_and_links_a_file(client, coordinator):
    neighbour = NeighbourFactory(consenting=True, first_name="Paule", location="1er")
    resident = ResidentFactory()
    page = _text(client.get(reverse("neighbours:neighbour_edit", args=[neighbour.pk])))
    assert 'value="Paule"' in page and "Son accord" not in page
    response = client.post(
        reverse("neighbours:neighbour_edit", args=[neighbour.pk]),
        _neighbour_data(first_name="Paulette", location="6e droite", resident_number=resident.pk),
    )
    assert response.status_code == 302
    neighbour.refresh_from_db()
    assert (neighbour.first_name, neighbour.location, neighbour.resident) == ("Paulette", "6e droite", resident)
    assert neighbour.has_consent


def test_edit_neighbour_bad_input_changes_nothing(client, coordinator):
    neighbour = NeighbourFactory(first_name="Paule")
    response = client.post(
        reverse("neighbours:neighbour_edit", args=[neighbour.pk]),
        _neighbour_data(first_name="", mobile="01 45 00 00 01"),
    )
    assert response.status_code == 400
    assert "n'est pas un mobile" in _text(response)
    neighbour.refresh_from_db()
    assert neighbour.first_name == "Paule"


def test_huge_numbers_are_refused_cleanly(client, coordinator):
    network = NetworkFactory()
    huge = "9" * 30
    response = client.post(reverse("neighbours:referents", args=[network.pk]), {"referent": huge, "co_referent": huge})
    assert response.status_code == 400
    url = reverse("neighbours:neighbour_add", args=[network.pk])
    response = client.post(url, _neighbour_data(resident_number=huge))
    assert response.status_code == 400
    assert client.get(reverse("neighbours:list"), {"quartier": huge}).status_code == 200
    assert client.get(f"/gestion/voisinage/{huge}/").status_code == 404
    assert client.get(f"/gestion/voisinage/voisins/{huge}/accord/").status_code == 404
