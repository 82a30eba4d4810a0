"""data·inclusion export (strict validation), import (all or nothing, idempotent), round trip."""

import datetime
import errno
import importlib
import json
import re
from io import StringIO

import pydantic
import pytest
from data_inclusion.schema import v1
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import TownFactory, login_staff, staff_user
from tests.factories.partners import OrganisationFactory, ServiceFactory
from villesolidaire.accounts.enums import Role
from villesolidaire.core.tenancy import site_url
from villesolidaire.core.text import count_of
from villesolidaire.partners import opendata
from villesolidaire.partners.forms import IMPORTED_ZONE_HELP, ServiceForm
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


def _without_links(rows: list[dict]) -> list[dict]:
    return [{key: value for key, value in row.items() if key != "lien_source"} for row in rows]


def test_round_trip_export_import_export_gives_the_same_data(directory, tmp_path):
    structures, services = opendata.export_structures(), opendata.export_services()
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    report = opendata.import_files(json.dumps(structures), json.dumps(services))
    assert (report.structures_created, report.services_created) == (2, 2)
    assert _without_links(opendata.export_structures()) == _without_links(structures)
    assert _without_links(opendata.export_services()) == _without_links(services)
    # Our own pages read back are not kept: they link to the new entries' pages.
    ccas = Organisation.objects.get(name="CCAS de Bourg-Solidaire")
    assert not ccas.source_url
    assert opendata.export_structures()[0]["lien_source"] == site_url() + reverse(
        "partners:public_organisation", args=[ccas.pk]
    )


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
        (json.dumps([_structure(horaires_accueil="le matin")]), None, "horaires d'accueil : horaires au format"),
        # Found by the new-user walkthrough: a RecursionError (500) and pydantic's English messages.
        ("[" * 100_000, None, "imbriqué trop profondément"),
        (json.dumps([{**_structure(), "nom": None}]), None, "champ « nom » : un texte est attendu"),
        (json.dumps([{k: v for k, v in _structure().items() if k != "nom"}]), None, "champ obligatoire manquant"),
        (json.dumps([_structure(code_postal="123")]), None, "champ « code_postal » : texte trop court"),
    ],
)
def test_invalid_files_are_refused_whole_with_a_french_message(structures, services, expected):
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(structures, services)
    assert expected in " ".join(refused.value.errors)
    assert not Organisation.objects.exists() and not Service.objects.exists()


ENGLISH = re.compile(r"Input should|value is not|String should|List should|should have|constrained|literal\[| or '")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"courriel": "accueil@"}, "champ « courriel » : adresse e-mail invalide"),
        ({"courriel": "accueil@mairie.invalid"}, "champ « courriel » : adresse e-mail invalide"),
        ({"zone_eligibilite": []}, "champ « zone_eligibilite » : liste trop courte : au moins 1 valeur."),
        ({"nom": "P" * 151}, "champ « nom » : texte trop long : au plus 150 caractères."),
        ({"nom": "Pe"}, "champ « nom » : texte trop court : au moins 3 caractères."),
        (
            {"frais": "cher"},
            "champ « frais » : valeur « cher » inconnue du référentiel data·inclusion "
            "(valeurs admises : « gratuit », « payant »).",
        ),
        ({"publics": ["seniors", "voisins"]}, "champ « publics », valeur n° 2 : valeur « voisins » inconnue"),
        ({"thematiques": ["inventee"]}, "valeur « inventee » inconnue du référentiel data·inclusion."),
        ({"date_maj": "1999-12-31"}, "champ « date_maj » : la date de dernière modification doit être au 21e siècle."),
        ({"nom": "Permanence."}, "champ « nom » : le nom du service ne doit pas se terminer par un point."),
        ({"lien_source": "ftp://exemple.fr"}, "l'adresse web doit commencer par https:// ou http://"),
        ({"modes_accueil": "en-presentiel"}, "champ « modes_accueil » : une liste est attendue."),
    ],
)
def test_every_refusal_is_told_in_french_once_without_a_double_dot(changes, expected):
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(json.dumps([_structure()]), json.dumps([_service(**changes)]))
    errors = refused.value.errors
    assert any(expected in error for error in errors), errors
    assert not any(ENGLISH.search(error) or ".." in error for error in errors), errors
    assert len(errors) == len(set(errors))


def test_a_bad_zone_code_is_one_message_naming_the_code_not_pydantic_internals():
    services = [_service(zone_eligibilite=["35238", "ABCDEFG"]), _service(id="autre--s2", zone_eligibilite=[35])]
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(json.dumps([_structure()]), json.dumps(services))
    assert refused.value.errors == [
        "Service n° 1 (id autre--s1) : champ « zone_eligibilite », valeur n° 2 : valeur « ABCDEFG » non reconnue "
        "(codes admis : commune (ex. 35238), département (ex. 35, 2A), intercommunalité (SIREN à 9 chiffres), "
        "pays (99xxx) ou « france »).",
        "Service n° 2 (id autre--s2) : champ « zone_eligibilite », valeur n° 1 : valeur non reconnue "
        "(codes admis : commune (ex. 35238), département (ex. 35, 2A), intercommunalité (SIREN à 9 chiffres), "
        "pays (99xxx) ou « france »).",
    ]


def test_an_error_kind_not_translated_gets_a_french_sentence_naming_the_field():
    error = pydantic.ValidationError.from_exception_data(
        "Service", [{"type": "greater_than", "loc": ("latitude",), "input": 100, "ctx": {"gt": 90}}]
    )
    assert opendata._messages(error, "Service n° 1") == [
        "Service n° 1 : champ « latitude » : valeur refusée par le schéma data·inclusion."
    ]


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
    assert response.status_code == 200
    assert (
        "Import terminé : 1 structure créée, 0 mise à jour ; 0 service créé, 0 mis à jour."
        in response.content.decode()
    )
    bad = SimpleUploadedFile("structures.json", b"\xff\xfe", "application/json")
    response = client.post(url, {"structures": bad})
    assert response.status_code == 400 and "JSON lisible" in response.content.decode()
    assert client.post(url, {}).status_code == 400
    assert Organisation.objects.count() == 1


# Records of other producers: source, ids, links and zone kept -------------------------------------


def _other_producers_files() -> tuple[list[dict], list[dict]]:
    structures = [
        _structure(
            source="dora",
            id="dora--8f2c",
            lien_source="https://dora.inclusion.beta.gouv.fr/structures/maison-des-solidarites",
            accessibilite_lieu="https://acceslibre.beta.gouv.fr/app/99-bourg/a/mairie/erp/maison-des-solidarites/",
        ),
        _structure(source="soliguide", id="soliguide--4521", nom="Accueil de jour", adresse="3 quai Sud"),
    ]
    services = [
        _service(
            source="dora",
            id="dora--s-77",
            structure_id="dora--8f2c",
            zone_eligibilite=["35"],
            lien_source="https://dora.inclusion.beta.gouv.fr/services/permanence-sociale",
            modes_mobilisation=["utiliser-lien-mobilisation", "telephoner"],
            mobilisable_par=["professionnels", "usagers"],
            lien_mobilisation="https://dora.inclusion.beta.gouv.fr/services/permanence-sociale/orienter",
            telephone="+33199001234",
        ),
        _service(
            source="soliguide",
            id="soliguide--s-9",
            structure_id="soliguide--4521",
            nom="Douches",
            zone_eligibilite=["2A", "200093201", "99001"],
        ),
        # No zone given: none is made up at the export.
        _service(source="soliguide", id="soliguide--s-10", structure_id="soliguide--4521", nom="Bagagerie"),
    ]
    return structures, services


def test_records_of_other_producers_keep_their_source_ids_and_zone(directory):
    structures, services = _other_producers_files()
    opendata.import_files(json.dumps(structures), json.dumps(services))
    dora = Organisation.objects.get(data_id="dora--8f2c")
    assert dora.data_source == "dora" and dora.accessibility_url.startswith("https://acceslibre.beta.gouv.fr/")
    permanence = Service.objects.get(data_id="dora--s-77")
    assert permanence.data_source == "dora" and permanence.eligibility_zone == ["35"]
    assert permanence.mobilisable_par == ["professionnels", "usagers"]
    assert permanence.mobilisation_url.endswith("/orienter")

    exported = {row["id"]: row for row in opendata.export_structures()}
    for row in structures:
        assert exported[row["id"]]["source"] == row["source"]
    assert exported["dora--8f2c"]["lien_source"] == structures[0]["lien_source"]
    assert exported["dora--8f2c"]["accessibilite_lieu"] == structures[0]["accessibilite_lieu"]
    # Entries created here keep the town's source and ids.
    assert exported[f"bourg-solidaire--{directory[0].pk}"]["source"] == "bourg-solidaire"

    exported = {row["id"]: row for row in opendata.export_services()}
    for row in services:
        out = exported[row["id"]]
        assert (out["source"], out["structure_id"]) == (row["source"], row["structure_id"])
        assert out["zone_eligibilite"] == row.get("zone_eligibilite")
    assert exported["dora--s-77"]["lien_source"] == services[0]["lien_source"]
    assert exported["dora--s-77"]["lien_mobilisation"] == services[0]["lien_mobilisation"]
    assert exported["dora--s-77"]["mobilisable_par"] == ["professionnels", "usagers"]
    # A service without a producer's page links to its place on our organisation page.
    douches = Service.objects.get(data_id="soliguide--s-9")
    assert exported["soliguide--s-9"]["lien_source"] == (
        f"{site_url()}{reverse('partners:public_organisation', args=[douches.organisation_id])}#service-{douches.pk}"
    )
    local = [row for row in exported.values() if row["source"] == "bourg-solidaire"]
    assert local and all(row["zone_eligibilite"] == ["99001"] for row in local)
    for row in exported.values():
        v1.Service.model_validate(row, context=STRICT)


def test_round_trip_of_other_producers_files(directory):
    """Import → export → import into an empty directory → export: the same files."""
    structures, services = _other_producers_files()
    opendata.import_files(json.dumps(structures), json.dumps(services))
    first = [row for row in opendata.export_structures() if row["source"] != "bourg-solidaire"]
    first_services = [row for row in opendata.export_services() if row["source"] != "bourg-solidaire"]
    Service.objects.all().delete()
    Organisation.objects.all().delete()
    opendata.import_files(json.dumps(first), json.dumps(first_services))
    second = opendata.export_structures()
    assert _without_links(second) == _without_links(first)
    assert opendata.export_services()[0] == first_services[0]  # dora's own page is kept
    assert {row["id"] for row in opendata.export_services()} == {"dora--s-77", "soliguide--s-9", "soliguide--s-10"}
    assert [row["zone_eligibilite"] for row in opendata.export_services()] == [
        row["zone_eligibilite"] for row in first_services
    ]


def test_entries_imported_before_get_their_source_from_their_id(directory):
    """Migration 0007: an entry imported before keeps its producer's source and published zone."""
    organisation = OrganisationFactory(data_id="dora--8f2c")
    service = ServiceFactory(organisation=organisation, data_id="dora--s-77")
    local = ServiceFactory(organisation=organisation)
    migration = importlib.import_module("villesolidaire.partners.migrations.0007_data_inclusion_exchanges")
    migration.keep_imported_sources(apps, None)
    organisation.refresh_from_db(), service.refresh_from_db(), local.refresh_from_db()
    assert (organisation.data_source, service.data_source, local.data_source) == ("dora", "dora", "")
    assert service.eligibility_zone == ["99001"] and local.eligibility_zone == []


def test_zone_codes_that_cannot_exist_are_dropped_and_counted_like_data_inclusion_does(directory):
    zone = ["35238", "2a", "20", "ABCDE", "france", "35238", "971", "ZZ"]
    services = [_service(zone_eligibilite=zone), _service(id="autre--s2", nom="Douches", zone_eligibilite=["20"])]
    report = opendata.import_files(json.dumps([_structure()]), json.dumps(services))
    service = Service.objects.get(data_id="autre--s1")
    assert service.eligibility_zone == ["35238", "2A", "france", "971"]
    assert Service.objects.get(data_id="autre--s2").eligibility_zone == []
    assert report.notes == [
        "Zone d'éligibilité : 3 codes non reconnus (« 20 », « ABCDE », « ZZ ») retirés de 2 services, "
        "comme le fait data·inclusion."
    ]
    # What was kept is what the service form takes: the imported service can be edited.
    data = {key: value for key, value in ServiceForm(instance=service).initial.items() if value not in (None, "")}
    form = ServiceForm(data, instance=service)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["eligibility_zone"] == ["35238", "2A", "france", "971"]


def test_the_import_command_and_page_show_the_dropped_codes(tmp_path, client):
    structures, services = tmp_path / "structures.json", tmp_path / "services.json"
    structures.write_text(json.dumps([_structure()]))
    services.write_text(json.dumps([_service(zone_eligibilite=["35", "20"])]))
    out = StringIO()
    call_command("import_data_inclusion", str(structures), str(services), stdout=out)
    assert "Zone d'éligibilité : 1 code non reconnu (« 20 ») retiré de 1 service, comme" in out.getvalue()
    login_staff(client, staff_user(Role.COORDINATOR))
    with structures.open("rb") as first, services.open("rb") as second:
        page = client.post(reverse("partners:import"), {"structures": first, "services": second}).content.decode()
    assert "1 code non reconnu (« 20 ») retiré de 1 service" in page


def test_more_zone_codes_than_the_form_takes_are_refused():
    codes = [f"{35001 + n}" for n in range(301)]
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(json.dumps([_structure()]), json.dumps([_service(zone_eligibilite=codes)]))
    assert refused.value.errors == ["Service « autre--s1 » : zone d'éligibilité : 300 codes au plus."]
    assert not Organisation.objects.exists()


def test_the_zone_help_of_an_imported_service_says_an_empty_zone_is_published_empty(directory):
    opendata.import_files(json.dumps([_structure()]), json.dumps([_service()]))
    imported = ServiceForm(instance=Service.objects.get(data_id="autre--s1")).fields["eligibility_zone"].help_text
    local = ServiceForm(instance=Service.objects.get(name="Accès aux droits")).fields["eligibility_zone"].help_text
    assert imported == IMPORTED_ZONE_HELP and "aucune zone n'est alors publiée" in imported
    assert "pour la seule commune" not in imported
    assert local.endswith("Laissez vide pour la seule commune.")
    assert ServiceForm().fields["eligibility_zone"].help_text == local
    assert {row["id"]: row for row in opendata.export_services()}["autre--s1"]["zone_eligibilite"] is None


def test_a_producer_page_is_kept_but_not_ours(directory):
    structures, _services = _other_producers_files()
    ours = site_url() + reverse("partners:public_organisation", args=[999])
    opendata.import_files(json.dumps([{**structures[0], "lien_source": ours}]))
    assert Organisation.objects.get(data_id="dora--8f2c").source_url == ""


def test_dropped_zone_codes_are_counted_once_each_and_the_first_five_named(directory):
    services = [
        _service(zone_eligibilite=["35", "ZZ", "20", "AB", "ABCDE", "BCDEF", "CDEFG"]),
        _service(id="autre--s2", nom="Douches", zone_eligibilite=["20", "ZZ"]),
        _service(id="autre--s3", nom="Bagagerie", zone_eligibilite=["35"]),
    ]
    report = opendata.import_files(json.dumps([_structure()]), json.dumps(services))
    assert report.notes == [
        "Zone d'éligibilité : 6 codes non reconnus (« ZZ », « 20 », « AB », « ABCDE », « BCDEF », …) "
        "retirés de 2 services, comme le fait data·inclusion."
    ]


# Coordinates off the globe ----------------------------------------------------------------------


def test_coordinates_are_kept_only_when_both_are_on_the_globe():
    assert opendata.coordinates(47.2, -1.5) == (47.2, -1.5)
    assert opendata.coordinates(-90, 180) == (-90, 180)
    assert opendata.coordinates(999, -500) == (None, None)
    assert opendata.coordinates(47.2, -180.5) == (None, None)
    assert opendata.coordinates(90.1, 0.6) == (None, None)
    assert opendata.coordinates(47.2, None) == (None, None)
    assert opendata.coordinates(float("nan"), 0.6) == (None, None)


def test_impossible_coordinates_are_dropped_counted_and_never_published(client, directory):
    structures = [
        _structure(latitude=999, longitude=-500),
        _structure(id="autre--2", nom="Épicerie solidaire", latitude=47.21, longitude=0.61),
    ]
    services = [
        _service(adresse="9 place du Marché", latitude=95.0, longitude=0.6),
        _service(id="autre--s2", nom="Douches", adresse="3 quai Sud", latitude=47.3, longitude=-200.0),
        _service(id="autre--s3", nom="Bagagerie", structure_id="autre--2"),
    ]
    report = opendata.import_files(json.dumps(structures), json.dumps(services))
    assert report.notes == [
        "Coordonnées impossibles (latitude hors de −90…90 ou longitude hors de −180…180) retirées de "
        "1 structure et 2 services, sans position sur la carte."
    ]
    off = Organisation.objects.get(data_id="autre--1")
    assert (off.latitude, off.longitude, off.is_located, off.quartier) == (None, None, False, None)
    assert off.address == "1 rue du Port"  # the rest of the address is kept
    for service in Service.objects.filter(data_id__in=["autre--s1", "autre--s2"]):
        assert (service.latitude, service.longitude, service.is_located) == (None, None, False)
    on_the_globe = Organisation.objects.get(data_id="autre--2")
    assert on_the_globe.is_located and (on_the_globe.latitude, on_the_globe.longitude) == (47.21, 0.61)

    published = {row["id"]: row for row in json.loads(client.get(reverse("partners:open_data_structures")).content)}
    assert (published["autre--1"]["latitude"], published["autre--1"]["longitude"]) == (None, None)
    assert published["autre--2"]["latitude"] == 47.21
    exported = {row["id"]: row for row in opendata.export_services()}
    assert all(exported[key]["latitude"] is None for key in ("autre--s1", "autre--s2"))


def test_the_export_leaves_out_impossible_coordinates_stored_before(tmp_path, directory):
    """Entries imported before the check keep what they were given, but it is not published again."""
    Organisation.objects.filter(pk=directory[1].pk).update(latitude=999.0, longitude=-500.0, is_located=True)
    call_command("export_data_inclusion", str(tmp_path), stdout=StringIO())
    rows = {row["nom"]: row for row in json.loads((tmp_path / "structures.json").read_text())}
    assert (rows["Les Amis du quartier"]["latitude"], rows["Les Amis du quartier"]["longitude"]) == (None, None)


def test_a_file_with_only_good_coordinates_has_no_note():
    report = opendata.import_files(json.dumps([_structure(), _structure(id="autre--2", latitude=None)]))
    assert report.notes == []
    assert not Organisation.objects.get(data_id="autre--2").is_located


# The import's report and refusal ----------------------------------------------------------------


@pytest.mark.parametrize(
    "counts, expected",
    [
        ((1, 0, 2, 1), "1 structure créée, 0 mise à jour ; 2 services créés, 1 mis à jour"),
        ((0, 2, 0, 0), "0 structure créée, 2 mises à jour ; 0 service créé, 0 mis à jour"),
        ((12, 1, 1, 3), "12 structures créées, 1 mise à jour ; 1 service créé, 3 mis à jour"),
    ],
)
def test_the_report_summary_counts_in_french(counts, expected):
    created, updated, services_created, services_updated = counts
    report = opendata.ImportReport(created, updated, services_created, services_updated)
    assert report.summary == expected


def test_the_command_and_the_page_give_the_same_summary(tmp_path, client):
    structures, services = tmp_path / "structures.json", tmp_path / "services.json"
    structures.write_text(json.dumps([_structure()]))
    services.write_text(json.dumps([_service(), _service(id="autre--s2", nom="Douches")]))
    out = StringIO()
    call_command("import_data_inclusion", str(structures), str(services), stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "Import terminé : 1 structure créée, 0 mise à jour ; 2 services créés, 0 mis à jour."
    )
    login_staff(client, staff_user(Role.COORDINATOR))
    with structures.open("rb") as first, services.open("rb") as second:
        page = client.post(reverse("partners:import"), {"structures": first, "services": second}).content.decode()
    assert "Import terminé : 0 structure créée, 1 mise à jour ; 0 service créé, 2 mis à jour." in page


def _bad_structures(count: int) -> bytes:
    """`count` structures, each with one error (a postcode too short)."""
    return json.dumps([_structure(id=f"autre--{n}", code_postal="123") for n in range(count)]).encode()


@pytest.mark.parametrize(
    "count, heading, listed, last",
    [
        (1, "1 erreur.", 1, "Structure n° 1 (id autre--0)"),
        (2, "2 erreurs.", 2, "Structure n° 2 (id autre--1)"),
        (21, "21 erreurs.", 21, "… et 1 autre erreur."),
        (25, "25 erreurs.", 21, "… et 5 autres erreurs."),
    ],
)
def test_the_refused_import_page_counts_the_messages_it_lists(client, count, heading, listed, last):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login_staff(client, staff_user(Role.COORDINATOR))
    upload = SimpleUploadedFile("structures.json", _bad_structures(count), "application/json")
    response = client.post(reverse("partners:import"), {"structures": upload})
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('id="erreurs"') : page.index("</ul>", page.index('id="erreurs"'))]
    assert f"<h2>Import refusé, rien n&#x27;a été importé : {heading}</h2>" in summary
    items = re.findall(r"<li>(.*?)</li>", summary)
    assert len(items) == listed and items[-1].startswith(last.replace("'", "&#x27;"))
    assert "Le formulaire contient" not in page
    assert not Organisation.objects.exists()


def test_the_import_form_s_own_errors_keep_the_shared_summary(client):
    login_staff(client, staff_user(Role.COORDINATOR))
    page = client.post(reverse("partners:import"), {}).content.decode()
    assert "Le formulaire contient 1 erreur</h2>" in page and "Import refusé" not in page


def test_the_refused_command_says_how_many_errors_and_lists_the_first_fifty(tmp_path):
    bad = tmp_path / "structures.json"
    bad.write_bytes(_bad_structures(52))
    with pytest.raises(CommandError) as refused:
        call_command("import_data_inclusion", str(bad))
    lines = str(refused.value).splitlines()
    assert lines[0] == "Import refusé, rien n'a été importé : 52 erreurs."
    assert len(lines) == 52 and lines[-1] == "… et 2 autres erreurs."


# Messages after a colon -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Le numéro saisi n'est pas valide.", "le numéro saisi n'est pas valide."),
        ("L'adresse web doit commencer par https://.", "l'adresse web doit commencer par https://."),
        ("Élément inconnu.", "élément inconnu."),
        ("SIRET invalide.", "SIRET invalide."),
        ("URL refusée.", "URL refusée."),
        ("déjà en minuscules", "déjà en minuscules"),
        ("A", "A"),
        ("", ""),
    ],
)
def test_a_message_after_a_colon_starts_lower_case_unless_an_acronym(text, expected):
    assert opendata._after_colon(text) == expected


def test_a_model_validator_s_message_reads_lower_case_after_the_field():
    with pytest.raises(opendata.ImportRefused) as refused:
        opendata.import_files(json.dumps([_structure(telephone="0100")]))
    assert refused.value.errors == ["Structure « autre--1 » : téléphone : le numéro saisi n'est pas valide."]


# Fields for the exchanges, filled here ----------------------------------------------------------


def test_local_entries_export_their_links_and_who_may_ask(directory):
    ccas, _association = directory
    ccas.accessibility_url = "https://acceslibre.beta.gouv.fr/app/99-bourg/a/ccas/erp/ccas-de-bourg-solidaire/"
    ccas.save()
    service = Service.objects.get(name="Accès aux droits")
    service.mobilisable_par = ["usagers"]
    service.mobilisation_url = "https://ccas.bourg-exemple.fr/rendez-vous"
    service.eligibility_zone = ["99001", "99002"]
    service.save()
    structure = opendata.export_structures()[0]
    assert structure["lien_source"] == site_url() + reverse("partners:public_organisation", args=[ccas.pk])
    assert structure["accessibilite_lieu"] == ccas.accessibility_url
    row = {row["nom"]: row for row in opendata.export_services()}["Accès aux droits"]
    assert row["lien_source"].endswith(f"/cartographie/structures/{ccas.pk}/#service-{service.pk}")
    assert row["mobilisable_par"] == ["usagers"]
    assert row["lien_mobilisation"] == "https://ccas.bourg-exemple.fr/rendez-vous"
    assert row["zone_eligibilite"] == ["99001", "99002"]


# Quality score (data·inclusion's score_qualite) -------------------------------------------------


def _complete_service(organisation, **changes) -> Service:
    """Every criterion of score_qualite filled in."""
    fields = {
        "organisation": organisation,
        "name": "Permanence d'accès aux droits",
        # 200 characters at least: « idéale » for the package (200 to 2,000).
        "description": (
            "Une travailleuse sociale vous reçoit sans rendez-vous pour faire le point sur vos droits "
            "(RSA, prime d'activité, APL, complémentaire santé solidaire), constituer les dossiers et "
            "suivre les demandes jusqu'à leur réponse."
        ),
        "thematiques": ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
        "publics": ["tous-publics"],
        "modes_accueil": ["en-presentiel", "a-distance"],
        "modes_mobilisation": ["se-presenter", "telephoner", "envoyer-un-courriel", "utiliser-lien-mobilisation"],
        "mobilisable_par": ["professionnels", "usagers"],
        "mobilisation_url": "https://ccas.bourg-exemple.fr/rendez-vous",
        "frais": "payant",
        "frais_precisions": "Participation de 2 € par dossier, gratuite pour les bénéficiaires du RSA.",
        "phone": "+33199001235",
        "email": "droits@ccas-exemple.fr",
        "contact_name": "Accueil du CCAS",
        "opening_hours": "Mo-Fr 08:30-12:30; PH off",
    }
    fields.update(changes)
    return ServiceFactory(**fields)


def test_a_complete_service_reaches_the_best_quality_score(directory):
    ccas, _association = directory
    service = _complete_service(ccas)
    row = {row["id"]: row for row in opendata.export_services()}[f"bourg-solidaire--service-{service.pk}"]
    assert len(row["description"]) >= 200 and row["adresse"]  # at its organisation's address
    score, criteria = opendata.quality_score(row)
    assert score == opendata.QUALITY_MAX == 1.0
    assert all(value == 1.0 for value in criteria.values())  # every criterion applies, none below its best


@pytest.mark.parametrize(
    "changes, criterion",
    [
        ({"mobilisable_par": []}, "modes_mobilisation_bien_definis"),
        ({"description": "Accueil sans rendez-vous pour faire le point sur vos droits."}, "description_bien_definie"),
        ({"frais_precisions": ""}, "frais_bien_definis"),
        ({"email": "droits@exemple.invalid"}, "courriel_bien_defini"),  # not published: not given
        ({"updated_at": timezone.now() - datetime.timedelta(days=400)}, "date_maj_recente"),
        ({"publics": []}, "au_moins_un_public"),
    ],
)
def test_what_is_missing_lowers_the_score_and_is_named(directory, changes, criterion):
    service = _complete_service(directory[0], **changes)
    report = opendata.quality_report(opendata.export_services())
    service_id = f"bourg-solidaire--service-{service.pk}"
    assert report.scores[service_id] < opendata.QUALITY_MAX
    assert criterion in report.missing[service_id]


def test_the_export_command_reports_the_quality(tmp_path, directory):
    _complete_service(directory[0])
    out = StringIO()
    call_command("export_data_inclusion", str(tmp_path), stdout=out)
    report = opendata.quality_report(json.loads((tmp_path / "services.json").read_text()))
    assert report.count == 3 and report.at_maximum >= 1
    assert f"{count_of(report.at_maximum, 'service')} sur 3 au maximum" in out.getvalue()
    assert "Score de qualité data·inclusion des services : moyenne" in out.getvalue()
    assert f"moyenne {report.mean:.3f} sur 1".replace(".", ",") in out.getvalue()
    assert "service(s)" not in out.getvalue()


def test_the_quality_summary_counts_in_french_with_a_decimal_comma():
    report = opendata.QualityReport(scores={"a": 1.0, "b": 0.5}, missing={"b": ["date_maj_recente"]})
    assert report.summary() == (
        "Score de qualité data·inclusion des services : moyenne 0,750 sur 1 ; 1 service sur 2 au maximum."
    )
    assert "2 services sur 2" in opendata.QualityReport(scores={"a": 1.0, "b": 1.0}, missing={}).summary()


def test_the_verbose_export_gives_each_score_with_a_decimal_comma(tmp_path, directory):
    out = StringIO()
    call_command("export_data_inclusion", str(tmp_path), stdout=out, verbosity=2)
    listed = [line for line in out.getvalue().splitlines() if line.startswith("  bourg-solidaire--service-")]
    assert listed and all(re.search(r" : [01],\d\d — à compléter : ", line) for line in listed)


def test_export_to_a_place_it_cannot_write_says_so_in_french(tmp_path):
    in_the_way = tmp_path / "fichier"
    in_the_way.write_text("déjà là")
    with pytest.raises(CommandError, match="un fichier porte déjà ce nom"):
        call_command("export_data_inclusion", str(in_the_way), stdout=StringIO())


def test_a_failed_export_leaves_the_previous_pair_of_files(tmp_path, directory, monkeypatch):
    call_command("export_data_inclusion", str(tmp_path), stdout=StringIO())
    before = {name: (tmp_path / name).read_text() for name in ("structures.json", "services.json")}
    Organisation.objects.filter(status=OrganisationStatus.VALIDATED).update(name="Nom changé depuis")
    real_dump, written = json.dump, []

    def disk_full_at_the_second_file(rows, handle, **kwargs):
        written.append(handle.name)
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_dump(rows, handle, **kwargs)

    monkeypatch.setattr(json, "dump", disk_full_at_the_second_file)
    with pytest.raises(CommandError, match="Impossible d'écrire dans le dossier .* : disque plein."):
        call_command("export_data_inclusion", str(tmp_path), stdout=StringIO())
    assert {name: (tmp_path / name).read_text() for name in before} == before  # the new structures too
    assert sorted(path.name for path in tmp_path.iterdir()) == ["services.json", "structures.json"]  # no temp
    monkeypatch.undo()
    call_command("export_data_inclusion", str(tmp_path), stdout=StringIO())
    assert "Nom changé depuis" in (tmp_path / "structures.json").read_text()
    assert (tmp_path / "structures.json").stat().st_mode & 0o777 == 0o644
