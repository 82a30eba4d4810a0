"""One town's backup, restore and export; deleting and backing up from the console (docs/hosting.md).

The restore drill runs once for the module, outside the tests' transactions, as a host would: a
third town is created and seeded, backed up and exported, deleted, then restored — under another
schema and domain from the export's keys file, under its own name, and once more with --force over
itself. The tests then read the restored towns through their domains and their register.
"""

import base64
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django_otp.oath import totp
from django_tenants.utils import schema_context, schema_exists

from tests.hosting.conftest import SeededTown, _seed
from tests.hosting.test_towns import CONSOLE, _host_operator
from villesolidaire.core import backups
from villesolidaire.core.backups import BackupError
from villesolidaire.core.crypto import key_fingerprint
from villesolidaire.hosting.backups import KEYS_FILE, README_FILE, backup_town, export_town, restore_town
from villesolidaire.hosting.keys import unwrap_keys
from villesolidaire.hosting.models import Domain, HostEvent, Tenant
from villesolidaire.hosting.services import create_town, delete_town, drop_schema, set_up_host
from villesolidaire.register.models import RegisterEntry

ECHO = SeededTown(schema="town_echo", domain="echo.villes.test", name="Écho-sur-Loire", marker="Echolalie")
COPY_SCHEMA, COPY_DOMAIN = "town_echo_copie", "copie.villes.test"


@dataclass
class Drill:
    manifest_path: Path
    manifest: dict
    export: Path
    keys: tuple[str, ...]
    wrapped_keys: str
    log: list[str] = field(default_factory=list)
    failed_restore: str = ""


def _restore_a_cut_dump(manifest_path: Path, folder: Path, log: list[str]) -> str:
    folder.mkdir()
    manifest = json.loads(manifest_path.read_text())
    dump = folder / manifest["dump"]
    dump.write_bytes((manifest_path.parent / manifest["dump"]).read_bytes()[:20_000])
    manifest |= {"sha256": backups.sha256_of(dump), "size": dump.stat().st_size}
    cut = folder / manifest_path.name
    cut.write_text(json.dumps(manifest))
    try:
        restore_town(cut, force=True, actor="tests", log=log.append)
    except BackupError as exc:
        return str(exc)
    return ""


def _run(command: str, *args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def drill(towns, django_db_blocker, tmp_path_factory) -> Drill:
    directory = tmp_path_factory.mktemp("sauvegardes")
    log: list[str] = []
    with django_db_blocker.unblock():
        create_town(
            name=ECHO.name,
            insee_codes=["35005"],
            domains=[ECHO.domain],
            admin_email="maire@mairie.test",
            schema_name=ECHO.schema,
            actor="tests",
        )
        _seed(ECHO)
        connection.set_schema_to_public()
        tenant = Tenant.objects.get(schema_name=ECHO.schema)
        manifest_path = backup_town(tenant, directory, actor="tests")
        export = export_town(tenant, directory / "exports", actor="tests")
        keys_file = directory / KEYS_FILE
        keys_file.write_bytes(zipfile.ZipFile(export).read(KEYS_FILE))
        delete_town(tenant, confirm=ECHO.schema, actor="tests")
        # The host is now without the town: a copy under another name and domain, from the export's keys…
        restore_town(
            manifest_path,
            schema=COPY_SCHEMA,
            domains=[COPY_DOMAIN],
            keys_file=keys_file,
            actor="tests",
            log=log.append,
        )
        # …then the town itself, under its own name and domain, and again over itself with --force.
        restore_town(manifest_path, actor="tests", log=log.append)
        restore_town(manifest_path, force=True, actor="tests", log=log.append)
        # A forced restore that fails after its checks (here a cut dump whose manifest matches it, as a
        # full disk or a pg_restore of another version would) leaves the live town as it was.
        failed_restore = _restore_a_cut_dump(manifest_path, directory / "coupee", log)
        connection.set_schema_to_public()
    yield Drill(
        manifest_path=manifest_path,
        manifest=json.loads(manifest_path.read_text()),
        export=export,
        keys=unwrap_keys(tenant.wrapped_keys),
        wrapped_keys=tenant.wrapped_keys,
        log=log,
        failed_restore=failed_restore,
    )
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for schema in (ECHO.schema, COPY_SCHEMA):
            restored = Tenant.objects.filter(schema_name=schema).first()
            if restored is not None:
                delete_town(restored, confirm=schema, actor="tests")
            drop_schema(schema)


# -- Backup ------------------------------------------------------------------------------------------------------


def test_the_manifest_describes_the_town_and_names_its_keys_without_opening_them(drill, settings):
    manifest = drill.manifest
    assert manifest["schema"] == ECHO.schema and manifest["name"] == ECHO.name
    assert manifest["domains"] == [ECHO.domain] and manifest["insee_codes"] == ["35005"]
    assert manifest["kind"] == "town" and manifest["engine"] == "postgresql"
    assert manifest["wrapped_keys"] == drill.wrapped_keys
    assert manifest["host_key_fingerprint"] == key_fingerprint(settings.VS_DATA_KEYS[0])
    assert manifest["key_fingerprints"] == [key_fingerprint(key) for key in drill.keys]
    assert manifest["row_counts"]["register.RegisterEntry"] == 1
    assert manifest["row_counts"]["accounts.User"] == 9  # seven staff roles, the volunteer, the first administrator
    assert not any(label.startswith("hosting.") for label in manifest["row_counts"])
    assert manifest["migrations"]["register"]
    dump = drill.manifest_path.with_name(manifest["dump"])
    assert manifest["sha256"] == backups.sha256_of(dump) and manifest["size"] == dump.stat().st_size
    text = drill.manifest_path.read_text()
    for key in drill.keys:  # the town's keys in clear are never in a manifest
        assert key not in text and base64.urlsafe_b64decode(key).hex() not in text
    assert all(path.stat().st_mode & 0o077 == 0 for path in (dump, drill.manifest_path, drill.export))
    event = HostEvent.objects.filter(action="backup_town", tenant_schema=ECHO.schema).get()
    assert event.detail == f"{manifest['dump']} ({filesizeformat(manifest['size'])})"


def test_the_dump_holds_one_town_only(drill):
    listing = _listing(drill.manifest_path.with_name(drill.manifest["dump"]))
    assert f"SCHEMA - {ECHO.schema} " in listing
    assert "town_alpha" not in listing and "hosting_tenant" not in listing


def _listing(dump: Path) -> str:
    """pg_restore's table of contents of a dump."""
    return subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True).stdout


def test_backup_town_command_updates_the_town_keeps_n_and_refuses_unknown_schemas(towns, tmp_path):
    a, b = towns
    tenant = Tenant.objects.get(schema_name=a.schema)
    backup_town(tenant, tmp_path, actor="tests", now=datetime(2026, 1, 1, 2, 0, tzinfo=UTC))
    backup_town(Tenant.objects.get(schema_name=b.schema), tmp_path, actor="tests")
    out, _err = _run("backup_town", a.schema, dir=tmp_path, keep=1)
    assert "Sauvegarde de Alpha-sur-Mer écrite" in out and "Rétention : 2 fichier(s)" in out
    [kept] = backups.manifests(tmp_path, f"{a.schema}-")
    assert "20260101" not in kept.name
    assert len(backups.manifests(tmp_path, f"{b.schema}-")) == 1  # another town's backups are left alone
    tenant.refresh_from_db()
    assert tenant.last_backup_at is not None and tenant.last_backup_bytes > 0
    with pytest.raises(CommandError, match="Aucune commune hébergée n'a le schéma 'town_inconnue'"):
        _run("backup_town", "town_inconnue", dir=tmp_path)
    with pytest.raises(CommandError, match="Indiquez le schéma d'une commune, ou --all"):
        _run("backup_town", dir=tmp_path)


# -- Restore -----------------------------------------------------------------------------------------------------


def test_the_town_restored_after_deletion_serves_its_pages_and_its_register_opens(client, drill):
    response = client.get("/", headers={"host": ECHO.domain})
    assert response.status_code == 200 and ECHO.name in response.content.decode()
    tenant = Tenant.objects.get(schema_name=ECHO.schema)
    assert tenant.wrapped_keys == drill.wrapped_keys and tenant.insee_codes == ["35005"]
    assert tenant.get_primary_domain().domain == ECHO.domain
    with schema_context(ECHO.schema):
        entry = RegisterEntry.objects.get(pk=ECHO.ids["entry"])
        assert (entry.first_names, entry.phone) == (ECHO.marker, "+33299001133")
        assert RegisterEntry.objects.matching_phone("+33299001133").get().pk == entry.pk  # blind index, town's key
        with connection.cursor() as cursor:
            cursor.execute("SELECT first_names FROM register_registerentry")
            assert cursor.fetchone()[0].startswith("enc1:")
    assert any(line.startswith("Relecture : inscription au registre n°") for line in drill.log)
    assert not any(ECHO.marker in line for line in drill.log)  # the proof names the row, never its content
    assert not any("plus récente" in line or "à appliquer" in line for line in drill.log)
    assert HostEvent.objects.filter(action="restore_town", tenant_schema=ECHO.schema).count() == 2


def test_the_copy_restored_under_another_schema_serves_on_its_own_domain(client, drill):
    response = client.get("/", headers={"host": COPY_DOMAIN})
    assert response.status_code == 200 and ECHO.name in response.content.decode()
    copy = Tenant.objects.get(schema_name=COPY_SCHEMA)
    # Its keys came from the export's file, wrapped again under this host's key: the same town keys.
    assert unwrap_keys(copy.wrapped_keys) == drill.keys
    with schema_context(COPY_SCHEMA):
        assert RegisterEntry.objects.get(pk=ECHO.ids["entry"]).first_names == ECHO.marker


def test_a_failed_forced_restore_leaves_the_live_town_as_it_was(drill, client):
    assert "pg_restore" in drill.failed_restore
    assert Tenant.objects.filter(schema_name=ECHO.schema).exists()
    assert not schema_exists(f"{ECHO.schema}_avant")
    with schema_context(ECHO.schema):
        assert RegisterEntry.objects.get(pk=ECHO.ids["entry"]).first_names == ECHO.marker
    assert client.get("/", headers={"host": ECHO.domain}).status_code == 200
    assert HostEvent.objects.filter(action="restore_town_failed", tenant_schema=ECHO.schema).exists()


def test_force_replaces_the_town_in_place(drill):
    assert any("La commune remplacée (schéma town_echo) est supprimée" in line for line in drill.log)
    assert list(Domain.objects.filter(tenant__schema_name=ECHO.schema).values_list("domain", flat=True)) == [
        ECHO.domain
    ]


@pytest.fixture
def backup_copy(drill, tmp_path) -> Path:
    """The drill's backup copied into tmp_path, for a test to alter."""
    for name in (drill.manifest_path.name, drill.manifest["dump"]):
        shutil.copy(drill.manifest_path.with_name(name), tmp_path / name)
    return tmp_path / drill.manifest_path.name


def test_restore_refuses_a_tampered_dump(backup_copy, drill):
    dump = backup_copy.with_name(drill.manifest["dump"])
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="altéré ou incomplet.*SHA-256.*Restauration refusée"):
        _run("restore_town", backup_copy, schema="town_foxtrot", domain=["foxtrot.villes.test"])
    assert not schema_exists("town_foxtrot") and not Tenant.objects.filter(schema_name="town_foxtrot").exists()


def test_restore_refuses_an_existing_schema_and_a_taken_domain(drill):
    with pytest.raises(CommandError, match="Le schéma 'town_echo' existe déjà. Ajoutez --force") as refused:
        _run("restore_town", drill.manifest_path)
    assert "Domaine déjà utilisé : echo.villes.test." in str(refused.value)
    with pytest.raises(CommandError, match="Domaine déjà utilisé : alpha.villes.test") as refused:
        _run("restore_town", drill.manifest_path, schema="town_golf", domain=["alpha.villes.test"])
    assert "Le schéma d'origine 'town_echo' existe sur cet hébergeur" in str(refused.value)
    with pytest.raises(CommandError, match="Nom de schéma réservé à l'hébergeur ou à PostgreSQL : 'public'"):
        _run("restore_town", drill.manifest_path, schema="public", force=True)


def test_restore_refuses_a_host_without_the_key_that_wraps_the_towns_keys(drill, settings, tmp_path):
    needed = drill.manifest["host_key_fingerprint"]
    settings.VS_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match=f"il faut la clé d'empreinte {needed}.*Restauration refusée.*--keys"):
        _run("restore_town", drill.manifest_path)
    wrong = tmp_path / KEYS_FILE
    wrong.write_text(f"# une autre commune\n{Fernet.generate_key().decode()}\n")
    with pytest.raises(CommandError, match="ne correspond pas à cette sauvegarde : empreintes attendues"):
        _run("restore_town", drill.manifest_path, keys=wrong)


def test_restore_refuses_what_is_not_a_town_backup(tmp_path):
    manifest = tmp_path / "villesolidaire-20260101T000000Z.json"
    manifest.write_text(json.dumps({"dump": "x.dump", "sha256": "0" * 64, "engine": "postgresql"}))
    with pytest.raises(CommandError, match="n'est pas celui d'une commune .*il y manque schema"):
        _run("restore_town", manifest)


# -- Export ------------------------------------------------------------------------------------------------------


def test_the_export_holds_the_dump_its_manifest_the_keys_in_clear_and_a_readme(drill):
    with zipfile.ZipFile(drill.export) as archive:
        [manifest_name] = [name for name in archive.namelist() if name.endswith(".json")]
        manifest = json.loads(archive.read(manifest_name))
        assert set(archive.namelist()) == {manifest["dump"], manifest_name, KEYS_FILE, README_FILE}
        dump = archive.read(manifest["dump"])
        keys_text = archive.read(KEYS_FILE).decode()
        readme = archive.read(README_FILE).decode()
    assert hashlib.sha256(dump).hexdigest() == manifest["sha256"]
    assert manifest["schema"] == ECHO.schema and manifest["key_fingerprints"] == drill.manifest["key_fingerprints"]
    assert [line for line in keys_text.splitlines() if not line.startswith("#")] == list(drill.keys)
    assert "EN CLAIR" in keys_text and f"empreinte {key_fingerprint(drill.keys[0])}" in keys_text
    for words in (
        "restore_town",
        "--keys",
        "pg_restore",
        "VS_DATA_KEYS",
        "responsable de traitement",
        manifest["dump"],
    ):
        assert words in readme
    assert HostEvent.objects.filter(action="export_town", tenant_schema=ECHO.schema).exists()


def test_export_town_command_warns_that_the_keys_are_in_clear(towns, tmp_path):
    a, _ = towns
    out, err = _run("export_town", a.schema, dir=tmp_path)
    [path] = tmp_path.glob("export-town_alpha-*.zip")
    assert str(path) in out
    assert "clés de chiffrement du registre EN CLAIR" in err and KEYS_FILE in err
    event = HostEvent.objects.get(action="export_town", tenant_schema=a.schema)
    for key in unwrap_keys(Tenant.objects.get(schema_name=a.schema).wrapped_keys):
        assert key not in event.detail and key not in out + err


# -- Console -----------------------------------------------------------------------------------------------------


def _signed_in_operator(client):
    operator, device = _host_operator(client)
    response = client.post(
        "/connexion/",
        {"username": operator.email, "password": "mot-de-passe-hebergeur", "otp_token": f"{totp(device.bin_key):06d}"},
        headers={"host": CONSOLE},
    )
    assert response.status_code == 302
    return operator


def test_the_console_deletes_a_town_once_its_schema_name_is_typed(client, towns):
    operator = _signed_in_operator(client)
    new = create_town(
        name="Hôtel", insee_codes=["35006"], domains=["hotel.villes.test"], admin_email="a@hotel.test", actor="tests"
    )
    url = f"/communes/{new.tenant.pk}/supprimer/"
    page = client.get("/", headers={"host": CONSOLE}).content.decode()
    assert url in page and "Sauvegarder maintenant" in page
    form = client.get(url, headers={"host": CONSOLE})
    assert form.status_code == 200 and "town_hotel" in form.content.decode()
    refused = client.post(url, {"confirm": "Hôtel"}, headers={"host": CONSOLE})
    assert refused.status_code == 400 and "tapez exactement" in refused.content.decode()
    assert schema_exists("town_hotel")
    response = client.post(url, {"confirm": "town_hotel"}, headers={"host": CONSOLE}, follow=True)
    assert "Hôtel est supprimée" in response.content.decode()
    assert not schema_exists("town_hotel") and not Tenant.objects.filter(schema_name="town_hotel").exists()
    assert HostEvent.objects.filter(action="delete_town", tenant_schema="town_hotel", actor=operator.email).exists()


def test_the_console_backs_a_town_up_through_the_task_queue(client, towns, settings, tmp_path):
    a, _ = towns
    settings.VS_BACKUP_DIR = tmp_path
    operator = _signed_in_operator(client)
    tenant = Tenant.objects.get(schema_name=a.schema)
    assert client.get(f"/communes/{tenant.pk}/sauvegarder/", headers={"host": CONSOLE}).status_code == 405
    response = client.post(f"/communes/{tenant.pk}/sauvegarder/", headers={"host": CONSOLE}, follow=True)
    assert "Sauvegarde de Alpha-sur-Mer demandée" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.last_backup_at is not None and tenant.last_backup_bytes > 0
    assert len(backups.manifests(tmp_path / "towns", f"{a.schema}-")) == 1
    assert HostEvent.objects.filter(action="backup_town", tenant_schema=a.schema, actor=operator.email).exists()


def test_deleting_or_backing_up_needs_a_host_operator(client, towns):
    a, _ = towns
    set_up_host(domains=[CONSOLE], actor="tests")
    tenant = Tenant.objects.get(schema_name=a.schema)
    for url in (f"/communes/{tenant.pk}/supprimer/", f"/communes/{tenant.pk}/sauvegarder/"):
        assert client.post(url, {"confirm": a.schema}, headers={"host": CONSOLE}).status_code == 302  # to login
    assert schema_exists(a.schema)
    # A town's own domain knows no such page.
    assert client.post(f"/communes/{tenant.pk}/supprimer/", headers={"host": a.domain}).status_code == 404
