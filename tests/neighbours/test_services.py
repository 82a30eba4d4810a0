"""Pure address logic, resident files for neighbours, the referent-space inclusion tag."""

import pytest
from django.template import Context, Template

from tests.factories import HelpCategoryFactory, ResidentFactory, VolunteerFactory, staff_user
from tests.factories.neighbours import NeighbourFactory, NetworkFactory
from villesolidaire.help_requests.enums import Urgency
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.neighbours import services
from villesolidaire.neighbours.enums import NetworkKind, NetworkStatus
from villesolidaire.neighbours.models import Neighbour, Network
from villesolidaire.residents.models import Resident
from villesolidaire.residents.services import resident_merge
from villesolidaire.volunteers.enums import Status as VolunteerStatus


def _pair(kind: str, location: str, complement: str = "") -> tuple[Neighbour, Network]:
    network = Network(
        kind=kind, address="rue des Lilas", address_complement=complement, postcode="99001", city="Bourg-Solidaire"
    )
    return Neighbour(location=location), network


@pytest.mark.parametrize(
    ("kind", "location", "complement", "address", "expected_complement"),
    [
        (NetworkKind.STREET, "12", "", "12 rue des Lilas", ""),
        (NetworkKind.STREET, "12 bis", "", "12 bis rue des Lilas", ""),
        (NetworkKind.STREET, "au fond de la cour", "", "rue des Lilas", "au fond de la cour"),
        (NetworkKind.BUILDING, "3e gauche", "Bâtiment B", "rue des Lilas", "3e gauche, Bâtiment B"),
        # In a building "12" is a door number, not a house number.
        (NetworkKind.BUILDING, "12", "", "rue des Lilas", "12"),
        (NetworkKind.BUILDING, "", "Bâtiment B", "rue des Lilas", "Bâtiment B"),
    ],
)
def test_resident_address_for(kind, location, complement, address, expected_complement):
    neighbour, network = _pair(kind, location, complement)
    result = services.resident_address_for(neighbour, network)
    assert result == {
        "address": address,
        "address_complement": expected_complement,
        "postcode": "99001",
        "city": "Bourg-Solidaire",
    }


def test_a_neighbour_linked_to_a_merged_file_gets_the_surviving_file():
    by = staff_user()
    duplicate, survivor = ResidentFactory(), ResidentFactory()
    neighbour = NeighbourFactory(consenting=True, resident=duplicate)
    resident_merge(source=duplicate, target=survivor, by=by)
    neighbour.refresh_from_db()
    assert services.resident_for_neighbour(neighbour=neighbour, network=neighbour.network, by=by) == survivor
    neighbour.refresh_from_db()
    assert neighbour.resident == survivor


def test_new_file_keeps_both_phones():
    neighbour = NeighbourFactory(consenting=True, phone="+33145000002", mobile="+33612345678")
    resident = services.resident_for_neighbour(neighbour=neighbour, network=neighbour.network, by=None)
    assert (str(resident.mobile), str(resident.phone)) == ("06 12 34 56 78", "01 45 00 00 02")


def test_only_the_referent_of_the_network_may_raise_an_alert():
    network = NetworkFactory()
    with pytest.raises(Exception, match="référent"):
        services.alert_raise(
            network=network, volunteer=VolunteerFactory(active=True), text="x", urgency=Urgency.NORMAL
        )


def test_alert_about_a_neighbour_of_another_network_is_refused():
    network = NetworkFactory()
    stranger = NeighbourFactory(consenting=True)
    with pytest.raises(Exception, match="accord"):
        services.alert_raise(
            network=network,
            volunteer=network.referent,
            text="x",
            urgency=Urgency.NORMAL,
            neighbour=stranger,
            category=HelpCategoryFactory(),
        )
    assert not HelpRequest.objects.exists() and not Resident.objects.exists()


def test_state_record_duplicate_raises_a_french_message():
    network = NetworkFactory()
    by = staff_user()
    data = {"visited_on": "2026-01-05", "households_count": 3}
    services.state_record_add(network=network, data=data, by=by)
    with pytest.raises(Exception, match="existe déjà"):
        services.state_record_add(network=network, data=data, by=by)
    assert network.state_records.count() == 1


def test_for_referent_scope():
    referent, co_referent, other = (VolunteerFactory(active=True) for _ in range(3))
    led = NetworkFactory(referent=referent, co_referent=co_referent)
    NetworkFactory(referent=other)
    NetworkFactory(referent=referent, status=NetworkStatus.CLOSED)
    assert list(Network.objects.for_referent(referent)) == [led]
    assert list(Network.objects.for_referent(co_referent)) == [led]
    referent.status = VolunteerStatus.RESERVE
    assert not Network.objects.for_referent(referent).exists()
    assert not Network.objects.for_referent(None).exists()


TAG = Template("{% load neighbours_tags %}{% referent_networks volunteer %}")


def test_tag_lists_the_networks_of_a_referent(django_assert_num_queries):
    network = NetworkFactory(name="Résidence du Tag")
    with django_assert_num_queries(1):
        html = TAG.render(Context({"volunteer": network.referent}))
    assert "Mes réseaux de voisinage" in html and "Résidence du Tag" in html


def test_tag_renders_nothing_for_other_volunteers():
    NetworkFactory()
    assert TAG.render(Context({"volunteer": VolunteerFactory(active=True)})).strip() == ""
