import datetime
import random

from data_inclusion.schema import v1
from django.utils import timezone

from tests.factories import staff_user
from villesolidaire.accounts.demo import DEMO_PASSWORD
from villesolidaire.accounts.enums import Role
from villesolidaire.accounts.models import User
from villesolidaire.partners import opendata
from villesolidaire.partners.demo import PARTNER_EMAIL, seed_partners_demo
from villesolidaire.partners.models import Organisation, OrganisationStatus, PendingChange, Service
from villesolidaire.territory.demo import (
    INSEE_CODE,
    TOWN_NAME,
    import_addresses,
    quartier_grid,
    street_addresses,
    write_ban_file,
)
from villesolidaire.territory.models import Quartier, Town


def _demo(tmp_path):
    Town.objects.create(name=TOWN_NAME, insee_code=INSEE_CODE)
    grid = quartier_grid()
    quartiers = {
        q.code: q
        for q in Quartier.objects.bulk_create(
            [
                Quartier(
                    name=g["name"],
                    code=g["code"],
                    boundary_geojson=g["geojson"],
                    centre_latitude=g["centre"][0],
                    centre_longitude=g["centre"][1],
                )
                for g in grid
            ]
        )
    }
    rng = random.Random(3)
    addresses = street_addresses(rng, grid)
    import_addresses(write_ban_file(addresses, tmp_path / "ban.csv"))
    coordinator = staff_user(Role.COORDINATOR)
    return seed_partners_demo(
        rng, today=timezone.localdate(), addresses=addresses, quartiers=quartiers, coordinator=coordinator
    )


def test_demo_partners_spread_over_types_statuses_and_quartiers(tmp_path):
    summary = _demo(tmp_path)
    assert 35 <= summary["organisations partenaires"] <= 45
    assert Organisation.objects.values("type").distinct().count() == 7
    assert Organisation.objects.filter(status=OrganisationStatus.PENDING).exists()
    assert Organisation.objects.values("quartier").distinct().count() >= 3
    assert Service.objects.public().count() >= 40
    assert all(o.email.endswith("@demo.invalid") for o in Organisation.objects.all())
    assert PendingChange.objects.pending().count() == summary["modifications à examiner"] == 2


def test_demo_partner_account_signs_in_with_password_and_backup_code(tmp_path, client):
    summary = _demo(tmp_path)
    assert summary["comptes partenaires"] == 1
    partner = User.objects.get(email=PARTNER_EMAIL)
    assert partner.email == PARTNER_EMAIL and partner.check_password(DEMO_PASSWORD)
    assert partner.has_role(Role.PARTNER)
    assert Organisation.objects.of_user(partner).get().status == OrganisationStatus.VALIDATED
    assert partner.staticdevice_set.get().token_set.count() >= 3


def test_demo_export_passes_strict_data_inclusion_validation(tmp_path):
    _demo(tmp_path)
    structures, services = opendata.export_structures(), opendata.export_services()
    assert len(structures) == Organisation.objects.validated().count()
    assert len(services) == Service.objects.public().count()
    for row in structures:
        v1.Structure.model_validate(row, context={"ignore_warnings": False})
        assert row["id"].startswith("val-solidaire--")
    for row in services:
        v1.Service.model_validate(row, context={"ignore_warnings": False})
        assert row["structure_id"] in {s["id"] for s in structures}
        assert row["latitude"] is not None


def test_demo_export_reaches_the_best_data_inclusion_quality(tmp_path):
    """data·inclusion's own score (`score_qualite`) of every exported demo service: the services
    reviewed in the last six months are complete (1.0); the others lose only on their date."""
    _demo(tmp_path)
    services = opendata.export_services()
    report = opendata.quality_report(services)
    assert report.count == len(services) >= 40
    recent = datetime.date.today() - datetime.timedelta(days=180)  # noqa: DTZ011 (the package's today)
    for row in services:
        if datetime.date.fromisoformat(row["date_maj"]) > recent:
            assert report.scores[row["id"]] == opendata.QUALITY_MAX, (row["id"], report.missing.get(row["id"]))
        else:
            assert report.missing[row["id"]] == ["date_maj_recente"]
        assert row["mobilisable_par"] and len(row["description"]) >= 200
    assert report.at_maximum >= 0.8 * report.count
    assert report.mean >= 0.95
