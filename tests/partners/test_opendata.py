"""data·inclusion export (strict validation), import (all or nothing, idempotent), round trip."""

import datetime
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import TownFactory, login_staff, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.partners import opendata
from villesolidaire.partners.models import Organisation, OrganisationStatus, OrganisationType, Service

STRICT = {"ignore_warnings": False}


@pytest.fixture
def directory():
    TownFactory(name="Bourg-Solidaire", insee_code="99001")
    ccas = OrganisationFactory(
        name="CCAS de Bourg-Solidaire",
        type=OrganisationType.CCAS,
        siret="12345678901234",
        website="https://ccas.bourg-exemple.fr",
        ban_id="99001_0001_00003",
    )
    association = OrganisationFactory(
        name="Les Amis du quartier", description="", phone="", email="contact@demo.invalid"
    )
    ServiceFactory(
        organisation=ccas,
        name="Accès aux droits",
        publics=["tous-publics"],
        frais="gratuit",
        modes_mobilisation=["telephoner", "se-presenter"],
        contact_name="Accueil du CCAS",
        email="droits@ccas-exemple.fr",
        opening_hours="Mo-Fr 08:30-12:30; PH off",
    )
    ServiceFactory(
        organisation=association,
        name="Aide aux devoirs",
        address="2 rue des Écoles",
        postcode="99001",
        city="Bourg-Solidaire",
        latitude=47.3,
        longitude=0.7,
        is_located=True,
        thematiques=["famille--soutien-a-la-parentalite-et-a-leducation", "remobilisation--lien-social"],
    )
    ServiceFactory(organisation=association, name="Service retiré", is_active=False)
    OrganisationFactory(name="En attente", status=OrganisationStatus.PENDING)
    return ccas, association


def test_every_exported_object_passes_strict_validation(directory):
    ccas, association = directory
    structures, services = opendata.export_structures(), opendata.export_services()
    assert [s["nom"] for s in structures] == ["CCAS de Bourg-Solidaire", "Les Amis du quartier"]
    assert sorted(s["nom"] for s in services) == ["Accès aux droits", "Aide aux devoirs"]
    for row in structures:
        v1.Structure.model_validate(row, context=STRICT)
    for row in services:
        v1.Service.model_validate(row, context=STRICT)
    first = structures[0]
    assert first["source"] == "bourg-solidaire" and first["id"] == f"bourg-solidaire--{ccas.pk}"
    assert first["siret"] == "12345678901234" and first["reseaux_porteurs"] == ["communes"]
    assert first["code_insee"] == "99001" and first["telephone"] == "+33199001234"
    assert structures[1]["courriel"] is None  # a reserved domain is not published
    by_name = {s["nom"]: s for s in services}
    assert by_name["Accès aux droits"]["adresse"] == ccas.address  # at its organisation's address
    assert by_name["Aide aux devoirs"]["adresse"] == "2 rue des Écoles"
    assert by_name["Accès aux droits"]["zone_eligibilite"] == ["99001"]


def test_date_maj_is_never_in_the_future(directory):
    Organisation.objects.update(updated_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC))
    assert {s["date_maj"] for s in opendata.export_structures()} == {datetime.date.today().isoformat()}  # noqa: DTZ011


def test_public_endpoints(client, directory):
    structures = client.get(reverse("partners:open_data_structures"))
    assert structures.status_code == 200 and structures["Content-Type"].startswith("application/json")
    assert len(json.loads(structures.content)) == 2
    services = client.get(reverse("partners:open_data_services"))
    assert len(json.loads(services.content)) == 2
    page = client.get(reverse("partners:open_data")).content.decode()
    assert "structures.json" in page and reverse("needs:feed") in page


def test_round_trip_export_import_export_gives_the_same_data(directory, tmp_path):
    structures, services = opendata.export_structures(), opendata.export_services()
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    report = opendata.import_files(json.dumps(structures), json.dumps(services))
    assert (report.structures_created, report.services_created) == (2, 2)
    assert opendata.export_structures() == structures
    assert opendata.export_services() == services


def test_import_is_idempotent_by_id(directory):
    structures, services = opendata.export_structures(), opendata.export_services()
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    opendata.import_files(json.dumps(structures), json.dumps(services))
    structures[0]["nom"] = "CCAS renommé"
    report = opendata.import_files(json.dumps(structures), json.dumps(services))
    assert (report.structures_created, report.structures_updated) == (0, 2)
    assert (report.services_created, report.services_updated) == (0, 2)
    assert Organisation.objects.count() == 2 and Service.objects.count() == 2
    assert Organisation.objects.filter(name="CCAS renommé").exists()


def _structure(**changes):
    data = {
        "source": "autre",
        "id": "autre--1",
        "nom": "Maison des solidarités",
        "date_maj": "2025-03-01",
        "adresse": "1 rue du Port",
        "code_postal": "99001",
        "commune": "Bourg-Solidaire",
        "latitude": 47.2,
        "longitude": 0.6,
    }
    data.update(changes)
    return data


def _service(**changes):
    data = {
        "source": "autre",
        "id": "autre--s1",
        "structure_id": "autre--1",
        "nom": "Permanence sociale",
        "description": "Accueil sans rendez-vous.",
        "date_maj": "2025-03-01",
        "publics": ["tous-publics"],
        "thematiques": ["remobilisation--lien-social"],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "structures, services, expected",
    [
        ("pas du json", None, "n'est pas un JSON lisible"),
        ('{"a": 1}', None, "doit contenir une liste"),
        (json.dumps([_structure(nom="Fin.")]), None, "ne doit pas se terminer par un point"),
        (json.dumps([_structure(code_postal="123")]), None, "code_postal"),
        (json.dumps([_structure(), _structure()]), None, "apparaît deux fois"),
        (json.dumps([_structure()]), json.dumps([_service(publics=["tous-publics", "seniors"])]), "tous-publics"),
        (json.dumps([_structure()]), json.dumps([_service(structure_id="autre--99")]), "introuvable"),
        (json.dumps([_structure(horaires_accueil="le matin")]), None, "horaires d'accueil : Horaires au format"),
    ],
)
def test_invalid_files_are_refused_whole_with_a_french_message(structures, services, expected):
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(structures, services)
    assert expected in " ".join(refused.value.errors)
    assert not Organisation.objects.exists() and not Service.objects.exists()


def test_a_bad_service_rolls_back_the_structures_too():
    with pytest.raises(opendata.ImportRefused):
        opendata.import_files(json.dumps([_structure()]), json.dumps([_service(), _service(id="autre--s2", nom="Ab")]))
    assert not Organisation.objects.exists()


def test_imported_entries_are_public_and_placed():
    opendata.import_files(json.dumps([_structure()]), json.dumps([_service()]))
    organisation = Organisation.objects.get()
    assert organisation.status == OrganisationStatus.VALIDATED and organisation.data_id == "autre--1"
    assert organisation.is_located and organisation.latitude == 47.2
    service = Service.objects.public().get()
    assert service.place == organisation and service.publics == ["tous-publics"]


def test_management_commands(tmp_path, directory, capsys):
    call_command("export_data_inclusion", str(tmp_path))
    assert len(json.loads((tmp_path / "structures.json").read_text())) == 2
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    call_command("import_data_inclusion", str(tmp_path / "structures.json"), str(tmp_path / "services.json"))
    assert Organisation.objects.count() == 2 and Service.objects.count() == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([_structure(nom="X")]))
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_data_inclusion", str(bad))
    with pytest.raises(CommandError, match="Fichier illisible"):
        call_command("import_data_inclusion", str(tmp_path / "absent.json"))


def test_upload_page(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login_staff(client, staff_user(Role.COORDINATOR))
    url = reverse("partners:import")
    good = SimpleUploadedFile("structures.json", json.dumps([_structure()]).encode(), "application/json")
    response = client.post(url, {"structures": good})
    assert response.status_code == 200 and "1 structure(s) créée(s)" in response.content.decode()
    bad = SimpleUploadedFile("structures.json", b"\xff\xfe", "application/json")
    response = client.post(url, {"structures": bad})
    assert response.status_code == 400 and "JSON lisible" in response.content.decode()
    assert client.post(url, {}).status_code == 400
    assert Organisation.objects.count() == 1
