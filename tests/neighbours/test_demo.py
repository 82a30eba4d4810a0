import datetime
import random

from tests.factories import HelpCategoryFactory, QuartierFactory, ResidentFactory, VolunteerFactory, staff_user
from villesolidaire.help_requests.enums import Channel
from villesolidaire.help_requests.models import HelpRequest
from villesolidaire.neighbours.demo import seed_neighbours_demo
from villesolidaire.neighbours.models import Alert, Neighbour, Network, StateRecord
from villesolidaire.residents.models import Resident
from villesolidaire.territory.demo import Address

TODAY = datetime.date(2026, 7, 1)


def _inputs():
    quartier = QuartierFactory(code="les-vergers")
    addresses = [
        Address(f"99123_00{i}_00001", str(i + 1), "", f"Rue des Lilas {i}", 47.21, 0.64, "les-vergers")
        for i in range(6)
    ]
    volunteers = [VolunteerFactory(active=True, quartier=quartier) for _ in range(5)] + [VolunteerFactory()]
    HelpCategoryFactory(slug="convivialite", name="Convivialité")
    return {
        "volunteers": volunteers,
        "residents": [ResidentFactory() for _ in range(3)],
        "addresses": addresses,
        "quartiers": {"les-vergers": quartier},
        "coordinator": staff_user(),
    }


def test_demo_networks_neighbours_records_and_an_alert_that_became_a_request():
    inputs = _inputs()
    counts = seed_neighbours_demo(random.Random(4), today=TODAY, **inputs)

    networks = list(Network.objects.all())
    assert 3 <= len(networks) <= 5 and counts["réseaux de voisinage"] == len(networks)
    active = {v.pk for v in inputs["volunteers"] if v.status == "active"}
    assert all(n.referent_id in active for n in networks)
    # The first active volunteer leads a network: the demo's referent space is never empty.
    assert any(n.referent_id == inputs["volunteers"][0].pk for n in networks)
    neighbours = Neighbour.objects.all()
    assert neighbours.count() == counts["voisin·es"]
    assert 0 < neighbours.consenting().count() < neighbours.count()
    assert neighbours.filter(consent_withdrawn_at__isnull=False).exists()
    assert StateRecord.objects.count() == counts["états des lieux et des liens"] >= len(networks)
    alert = Alert.objects.get(help_request__isnull=False)
    assert alert.neighbour.has_consent and alert.neighbour.resident == alert.help_request.resident
    assert alert.help_request.channel == Channel.NEIGHBOURS
    assert counts["alertes devenues demandes"] == 1
    # The alert is about a neighbour who already had a file: the demo town keeps its residents.
    assert Resident.objects.count() == len(inputs["residents"])
    assert HelpRequest.objects.count() == 1


def test_demo_is_reproducible():
    inputs = _inputs()
    seed_neighbours_demo(random.Random(9), today=TODAY, **inputs)
    first = list(Neighbour.objects.order_by("pk").values_list("first_name", "last_name", "location"))
    Alert.objects.all().delete()
    Neighbour.objects.all().delete()
    seed_neighbours_demo(random.Random(9), today=TODAY, **inputs)
    second = list(Neighbour.objects.order_by("pk").values_list("first_name", "last_name", "location"))
    assert first == second
