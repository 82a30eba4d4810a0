"""Backups that restore (docs/operations.md): the restore drill, and every refusal of `manage.py restore`."""

import base64
import io
import json
import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from tests.factories.register import RegisterEntryFactory, RegisterExtrasFactory
from villesolidaire.core import backups
from villesolidaire.core.crypto import key_fingerprint
from villesolidaire.register.models import RegisterEntry

# pg_dump reads committed rows only: every test commits its data (and the PostgreSQL test database is emptied after).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.single_town_only(
        reason="whole-database backup and restore; a multi-town host backs up town by town "
        "(docs/hosting.md, tests/hosting/test_backups.py)"
    ),
]


def _run(command: str, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def _postgres_url(name: str) -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_target(tmp_path):
    """URL of a new, empty database to restore into (on PostgreSQL created with psycopg, dropped after)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restauree.sqlite3'}"
        return
    name = f"vs_restore_{secrets.token_hex(4)}"
    admin_params = backups.libpq_params(connection.settings_dict, "postgres")
    with psycopg.connect(**admin_params, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _postgres_url(name)
    with psycopg.connect(**admin_params, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _raw_last_names(url: str) -> list[str]:
    """The stored column, read without Django: what someone holding only the dump sees."""
    target = backups.target_settings(url)
    query = "SELECT last_name FROM register_registerentry ORDER BY id"
    if connection.vendor == "sqlite":
        with sqlite3.connect(target["NAME"]) as db:
            rows = db.execute(query).fetchall()
        db.close()
    else:
        with psycopg.connect(**backups.libpq_params(target)) as db:
            rows = db.execute(query).fetchall()
    return [row[0] for row in rows]


def _restore_drill(tmp_path: Path, target_url: str) -> None:
    entry = RegisterEntryFactory(last_name="Dupont-Lefèvre", first_names="Élise", phone="+33199001234")
    RegisterExtrasFactory(entry=entry, door_code="4521B")
    out = _run("backup", dir=tmp_path)
    assert "Sauvegarde écrite" in out
    [manifest_path] = backups.manifests(tmp_path)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["engine"] == ("sqlite" if connection.vendor == "sqlite" else "postgresql")
    assert manifest["row_counts"]["register.RegisterEntry"] == 1
    assert manifest["migrations"]["register"]

    out = _run("restore", manifest_path, dir=tmp_path, target=target_url)

    assert "Relecture : inscription au registre" in out and "Restauration terminée" in out
    # The consolidated migrations record the names they replace: those are not "from a newer version".
    assert "plus récente" not in out
    assert all(
        path.stat().st_mode & 0o077 == 0 for path in tmp_path.iterdir()
    )  # dumps and restored files are personal data
    assert "Dupont" not in out  # the proof names the row, never its content
    assert all(value.startswith("enc1:") for value in _raw_last_names(target_url))
    with backups.temporary_connection(backups.target_settings(target_url)) as alias:
        restored = RegisterEntry.objects.using(alias).get(pk=entry.pk)
        assert (restored.last_name, restored.first_names, restored.phone) == (
            "Dupont-Lefèvre",
            "Élise",
            "+33199001234",
        )
        assert restored.extras.door_code == "4521B"
        assert RegisterEntry.objects.using(alias).matching_phone("+33199001234").get().pk == entry.pk


@pytest.mark.postgres_only
def test_postgresql_restore_drill_reads_the_encrypted_register_back(tmp_path, fresh_target):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump / pg_restore drill")
    _restore_drill(tmp_path, fresh_target)
    assert list(tmp_path.glob("*.dump"))


def test_sqlite_backup_round_trip(tmp_path, fresh_target):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite online backup")
    _restore_drill(tmp_path, fresh_target)
    assert list(tmp_path.glob("*.sqlite3"))


def test_the_manifest_names_the_keys_without_holding_them(tmp_path, settings):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    settings.VS_DATA_KEYS = keys
    RegisterEntryFactory()
    out = _run("backup", dir=tmp_path)
    [manifest_path] = backups.manifests(tmp_path)
    text = manifest_path.read_text()
    manifest = json.loads(text)
    assert manifest["key_fingerprints"] == [key_fingerprint(key) for key in keys]
    assert len(manifest["key_fingerprints"][0]) == 12
    for key in keys:
        raw = base64.urlsafe_b64decode(key)
        for material in (key, key.rstrip("="), raw.hex(), base64.b64encode(raw).decode()):
            assert material not in text and material not in out
    assert manifest["sha256"] == backups.sha256_of(tmp_path / manifest["dump"])


def test_restore_refuses_a_backup_made_with_other_keys(tmp_path, settings, fresh_target):
    needed = key_fingerprint(settings.VS_DATA_KEYS[0])
    _run("backup", dir=tmp_path)
    settings.VS_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match=f"il faut la clé d'empreinte {needed}.*Restauration refusée"):
        _run("restore", dir=tmp_path, target=fresh_target)


def test_restore_warns_when_one_of_the_backup_keys_is_missing(tmp_path, settings, fresh_target):
    old_key, new_key = settings.VS_DATA_KEYS[0], Fernet.generate_key().decode()
    settings.VS_DATA_KEYS = [new_key, old_key]
    _run("backup", dir=tmp_path)
    settings.VS_DATA_KEYS = [old_key]
    out = _run("restore", dir=tmp_path, target=fresh_target)
    assert f"la clé d'empreinte {key_fingerprint(new_key)}" in out and "Restauration terminée" in out


def test_restore_refuses_a_corrupted_dump(tmp_path, fresh_target):
    RegisterEntryFactory()
    _run("backup", dir=tmp_path)
    [manifest_path] = backups.manifests(tmp_path)
    dump = tmp_path / json.loads(manifest_path.read_text())["dump"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="altéré ou incomplet.*SHA-256.*Restauration refusée"):
        _run("restore", manifest_path, target=fresh_target)
    if connection.vendor == "sqlite":
        assert not Path(backups.target_settings(fresh_target)["NAME"]).exists()


def test_restore_refuses_a_missing_backup_and_an_unreadable_manifest(tmp_path):
    with pytest.raises(CommandError, match="Aucune sauvegarde trouvée"):
        _run("restore", dir=tmp_path)
    (tmp_path / "villesolidaire-20260101T000000Z.json").write_text("{pas du json")
    with pytest.raises(CommandError, match="illisible"):
        _run("restore", dir=tmp_path)


def test_restore_refuses_a_database_that_holds_tables_unless_forced(tmp_path, fresh_target):
    RegisterEntryFactory()
    _run("backup", dir=tmp_path)
    _run("restore", dir=tmp_path, target=fresh_target)
    with pytest.raises(CommandError, match="n'est pas vide .*--force"):
        _run("restore", dir=tmp_path, target=fresh_target)
    assert "Restauration terminée" in _run("restore", dir=tmp_path, target=fresh_target, force=True)


def test_retention_keeps_the_newest_backups(tmp_path):
    for day in (1, 2, 3):
        backups.backup(tmp_path, now=datetime(2026, 1, day, 2, 0, tzinfo=UTC))
    out = _run("backup", dir=tmp_path, keep=2)
    kept = [path.name for path in backups.manifests(tmp_path)]
    assert len(kept) == 2 and kept[0] == "villesolidaire-20260103T020000Z.json"
    assert "4 fichier(s) ancien(s) supprimé(s)" in out
    assert len(list(tmp_path.iterdir())) == 4  # two dumps, two manifests
    with pytest.raises(CommandError, match="au moins égal à 1"):
        _run("backup", dir=tmp_path, keep=0)
