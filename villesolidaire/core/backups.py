"""Backups that restore: a dump of the whole database and its manifest (docs/operations.md).

`backup()` writes, in VS_BACKUP_DIR, `villesolidaire-<UTC time>.dump` (PostgreSQL, `pg_dump -Fc`) or
`….sqlite3` (SQLite, the online backup API: never a copy of a live file), then
`villesolidaire-<UTC time>.json`, the manifest: date, engine, applied migrations, row counts of the
project's tables, SHA-256 of the dump and the *fingerprints* of the encryption keys (VS_DATA_KEYS)
the register was written with — never the keys themselves, which are kept apart from the dumps.

`restore()` checks the dump against its manifest, refuses when none of the configured keys is one
the backup needs (saying which fingerprint it needs), refuses to overwrite a database that holds
tables unless forced, restores, then reads encrypted values back to prove the keys open them.
Every refusal is a `BackupError` with a French message for the operator.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dj_database_url
import psycopg
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from psycopg import sql

from villesolidaire.core import tenancy
from villesolidaire.core.crypto import encrypted_models, key_fingerprints

PREFIX = "villesolidaire-"
MANIFEST_FORMAT = 1
POSTGRESQL, SQLITE = "postgresql", "sqlite"
_SUFFIX = {POSTGRESQL: ".dump", SQLITE: ".sqlite3"}
# libpq connection parameters taken from Django's OPTIONS (the rest of OPTIONS is Django's own).
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service")
_CHECK_ALIAS = "vs_restore_check"
_READ_BACK_ROWS = 20
KEY_FINGERPRINT_METHOD = (
    "12 premiers caractères hexadécimaux du SHA-256 de la clé telle qu'écrite dans VS_DATA_KEYS : "
    'printf %s "$CLE" | sha256sum | cut -c1-12'
)

Log = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore refused or failed; the message is for the operator, in French."""


# -- Databases ---------------------------------------------------------------------------------------------------


def _engine(settings_dict: dict) -> str:
    vendor = settings_dict["ENGINE"].rsplit(".", 1)[-1]
    if vendor.startswith("postgresql"):
        return POSTGRESQL
    if vendor == "sqlite3":
        return SQLITE
    raise BackupError(f"Moteur de base non pris en charge pour les sauvegardes : {settings_dict['ENGINE']}.")


def target_settings(url: str | None) -> dict:
    """Django settings of the database to restore into: the configured one, or the one `url` names."""
    base = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    if not url:
        return base
    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] != base["ENGINE"]:
        base["OPTIONS"] = {}
    base.update(parsed)
    base["CONN_MAX_AGE"] = 0
    return base


def libpq_params(settings_dict: dict, dbname: str | None = None) -> dict[str, str]:
    params = {
        "dbname": dbname or settings_dict["NAME"],
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
    }
    options = settings_dict.get("OPTIONS") or {}
    params.update({name: options.get(name) for name in _LIBPQ_OPTIONS})
    return {name: str(value) for name, value in params.items() if value not in (None, "")}


def pg_env(settings_dict: dict) -> dict[str, str]:
    """Connection through libpq's environment variables: no password on a command line."""
    params = libpq_params(settings_dict)
    env = {**os.environ, "PGDATABASE": params.pop("dbname")}
    env.update({f"PG{name.upper()}": value for name, value in params.items()})
    return env


def run_client(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} est introuvable : installez les outils clients PostgreSQL.") from exc
    if result.returncode != 0:
        raise BackupError(f"{what} a échoué ({command[0]}) : {result.stderr.strip()}")


def _sqlite_path(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("Impossible de restaurer dans une base SQLite en mémoire : indiquez un fichier (--target).")
    return Path(name)


@contextmanager
def temporary_connection(settings_dict: dict, alias: str = _CHECK_ALIAS) -> Iterator[str]:
    """A Django connection alias of its own (the restored database, a SQLite copy, a dump's snapshot), closed
    afterwards.

    Registered as a connection only, not in settings.DATABASES: the configured databases stay as they are.
    """
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


# -- What the manifest describes ---------------------------------------------------------------------------------


def project_models():
    for model in apps.get_models():
        if model._meta.app_config.name.startswith("villesolidaire.") and model._meta.managed:
            yield model


def row_counts(alias: str = DEFAULT_DB_ALIAS, models=None) -> dict[str, int]:
    """Rows of each of `models` (by default every table of the project)."""
    models = project_models() if models is None else models
    return {model._meta.label: model._base_manager.using(alias).count() for model in models}


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The last applied migration of each app."""
    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        last[app] = max(name, last.get(app, name))
    return dict(sorted(last.items()))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def manifests(directory: Path, prefix: str = PREFIX) -> list[Path]:
    """Manifests of a backup folder whose names start with `prefix`, oldest first (names hold the UTC time)."""
    return sorted(directory.glob(f"{prefix}*.json"))


def stamp(now: datetime) -> str:
    """The UTC time in backup file names: they sort in time order."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def new_backup_paths(directory: Path, stem: str, suffix: str) -> tuple[Path, Path]:
    """The dump's and the manifest's paths for a new backup, refusing to overwrite one."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    dump, manifest = directory / (stem + suffix), directory / (stem + ".json")
    if dump.exists() or manifest.exists():
        raise BackupError(f"Une sauvegarde {stem} existe déjà dans {directory}.")
    return dump, manifest


@contextmanager
def completed_file(path: Path) -> Iterator[Path]:
    """Write to a `.partial` name, renamed to `path` once the block ends: no half dump is ever listed."""
    partial = path.with_name(path.name + ".partial")
    try:
        yield partial
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)


def dump_facts(dump: Path) -> dict:
    """What a manifest says of its dump: the name beside it, its size and SHA-256."""
    return {"dump": dump.name, "size": dump.stat().st_size, "sha256": sha256_of(dump)}


def write_manifest(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# -- Backup ------------------------------------------------------------------------------------------------------


def _contents(alias: str) -> dict:
    return {"migrations": applied_migrations(alias), "row_counts": row_counts(alias)}


def pg_dump(path: Path, *, contents: Callable[[str], dict], options: tuple[str, ...] = ()) -> dict:
    """Dump with pg_dump in the snapshot `contents(alias)` reads the manifest's facts in: both describe the
    same instant.

    The snapshot is taken on a connection of its own, so that the caller's open transaction (a request, a
    test) neither holds it back nor shows pg_dump rows it has not committed.
    """
    settings_dict = {**copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict), "CONN_MAX_AGE": 0}
    with temporary_connection(settings_dict, "vs_backup_snapshot") as alias:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            run_client(
                ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={path}", *options],
                env=pg_env(settings_dict),
                what="La sauvegarde",
            )
            return contents(alias)


def _sqlite_backup(connection, path: Path) -> dict:
    """SQLite's online backup API (a consistent copy even while the site writes), then counts read in the copy."""
    connection.ensure_connection()
    with sqlite3.connect(path) as copy_db:
        connection.connection.backup(copy_db)
        copy_db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    copy_db.close()
    with temporary_connection({**connection.settings_dict, "NAME": str(path), "OPTIONS": {}}) as alias:
        return _contents(alias)


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files created inside are readable by their owner only: dumps and manifests hold personal data."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def backup(directory: Path, *, now: datetime | None = None) -> Path:
    """Dump the configured database into `directory`; returns the manifest's path."""
    _refuse_on_a_host()
    with owner_only_files():
        return _backup(directory, now=now)


def _refuse_on_a_host() -> None:
    """A multi-town host has no keys of its own to name in a manifest, and one dump of every town
    would defeat backing up, restoring and deleting them one by one (decision 0014)."""
    if tenancy.is_multi_town():
        raise BackupError(
            "Hébergement multi-communes : sauvegardez et restaurez commune par commune "
            "(manage.py backup_town --all, restore_town) et la base entière par des sauvegardes physiques "
            "(docs/hosting.md)."
        )


def _backup(directory: Path, *, now: datetime | None) -> Path:
    now = now or datetime.now(UTC)
    connection = connections[DEFAULT_DB_ALIAS]
    engine = _engine(connection.settings_dict)
    dump, manifest = new_backup_paths(directory, PREFIX + stamp(now), _SUFFIX[engine])
    with completed_file(dump) as partial:
        if engine == POSTGRESQL:
            contents = pg_dump(partial, contents=_contents)
        else:
            contents = _sqlite_backup(connection, partial)
    data = {
        "format": MANIFEST_FORMAT,
        "created_at": now.isoformat(timespec="seconds"),
        "engine": engine,
        "database": str(connection.settings_dict["NAME"]) if engine == POSTGRESQL else "",
        **dump_facts(dump),
        "dump_format": "pg_dump -Fc" if engine == POSTGRESQL else "sqlite3 online backup",
        "key_fingerprints": key_fingerprints(),
        "key_fingerprint_method": KEY_FINGERPRINT_METHOD,
        **contents,
    }
    write_manifest(manifest, data)
    return manifest


def prune(directory: Path, *, keep: int, prefix: str = PREFIX) -> list[Path]:
    """Remove all but the `keep` newest backups named `prefix…` (dump and manifest); returns the files removed."""
    if keep < 1:
        raise ValueError("keep must be at least 1: the newest backup is always kept.")
    removed = []
    for manifest in manifests(directory, prefix)[:-keep]:
        for path in sorted(directory.glob(manifest.stem + ".*")):
            path.unlink()
            removed.append(path)
    return removed


# -- Restore -----------------------------------------------------------------------------------------------------


def load_manifest(path: Path | None, directory: Path, prefix: str = PREFIX) -> tuple[Path, dict]:
    """The manifest named by `path` (the manifest or its dump), or the newest `prefix…` one in `directory`."""
    if path is None:
        found = manifests(directory, prefix)
        if not found:
            raise BackupError(f"Aucune sauvegarde trouvée dans {directory}.")
        path = found[-1]
    path = path.with_suffix(".json")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"Manifeste introuvable : {path}.") from exc
    except ValueError as exc:
        raise BackupError(f"Le manifeste {path} est illisible.") from exc
    if not isinstance(manifest, dict) or not all(manifest.get(field) for field in ("dump", "sha256", "engine")):
        raise BackupError(f"Le manifeste {path} est incomplet (fichier, empreinte ou moteur manquant).")
    return path, manifest


def check_dump(manifest_path: Path, manifest: dict) -> Path:
    dump = manifest_path.with_name(manifest["dump"])
    if not dump.is_file():
        raise BackupError(f"Le fichier de sauvegarde {dump} est introuvable.")
    actual = sha256_of(dump)
    if actual != manifest["sha256"]:
        raise BackupError(
            f"Le fichier de sauvegarde {dump.name} est altéré ou incomplet : son empreinte SHA-256 ({actual}) "
            f"ne correspond pas à celle du manifeste ({manifest['sha256']}). Restauration refusée."
        )
    return dump


def require_key(needed: list[str], configured: list[str], hint: str = "") -> None:
    """Refuse unless one of the `configured` key fingerprints is one of the `needed` ones, naming what is needed."""
    if not needed:
        raise BackupError("Le manifeste ne dit pas avec quelles clés la sauvegarde a été faite. Restauration refusée.")
    if not set(needed) & set(configured):
        raise BackupError(
            "Aucune clé de VS_DATA_KEYS ne correspond à cette sauvegarde : il faut la clé d'empreinte "
            f"{needed[0]}"
            + (f" (ou l'une de : {', '.join(needed[1:])})" if len(needed) > 1 else "")
            + f". Clés configurées : {', '.join(configured)}. Restauration refusée : ajoutez cette clé à "
            "VS_DATA_KEYS (copie séquestrée, voir docs/operations.md) puis recommencez." + (f" {hint}" if hint else "")
        )


def check_keys(manifest: dict, log: Log) -> None:
    """Refuse when no configured key is one the backup was written with; warn about the missing ones."""
    needed = list(manifest.get("key_fingerprints") or [])
    configured = key_fingerprints()
    require_key(needed, configured)
    for missing in (fingerprint for fingerprint in needed if fingerprint not in configured):
        log(
            f"Attention : la clé d'empreinte {missing}, configurée lors de la sauvegarde, manque dans VS_DATA_KEYS ; "
            "les valeurs encore chiffrées avec elle seront illisibles."
        )
    if needed[-1] != configured[-1]:
        log(
            "Attention : la dernière clé de VS_DATA_KEYS (index de recherche) n'est pas celle de la sauvegarde ; "
            "lancez manage.py reencrypt_data pour recalculer les index de recherche."
        )


def _prepare_postgresql(target: dict, *, force: bool, log: Log) -> None:
    """Create the target database when it does not exist; refuse one that holds tables unless forced."""
    name = target["NAME"]
    try:
        with psycopg.connect(**libpq_params(target, "postgres"), autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log(f"Base {name} créée.")
                return
        with psycopg.connect(**libpq_params(target)) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
    except psycopg.Error as exc:
        raise BackupError(f"Connexion à la base cible {name} impossible : {exc}".strip()) from exc
    _refuse_non_empty(name, tables, force=force)


def _prepare_sqlite(target: dict, *, force: bool) -> None:
    path = _sqlite_path(target)
    if not path.exists():
        return
    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    conn.close()
    _refuse_non_empty(str(path), tables, force=force)


def _refuse_non_empty(name: str, tables: int, *, force: bool) -> None:
    if tables and not force:
        raise BackupError(
            f"La base cible {name} n'est pas vide ({tables} tables). Restauration refusée : choisissez une base "
            "vide (--target) ou ajoutez --force pour remplacer son contenu."
        )


def pg_restore(dump: Path, target: dict, *options: str) -> None:
    """pg_restore into `target` in one transaction: a failure leaves it unchanged."""
    run_client(
        ["pg_restore", "--no-owner", "--single-transaction", "--no-password", *options,
         f"--dbname={target['NAME']}", str(dump)],
        env=pg_env(target),
        what="La restauration",
    )  # fmt: skip


def _load(engine: str, dump: Path, target: dict) -> None:
    # The configured database may be the target: let go of Django's connection to it first.
    connections[DEFAULT_DB_ALIAS].close()
    if engine == POSTGRESQL:
        pg_restore(dump, target, "--clean", "--if-exists")
        return
    with sqlite3.connect(f"file:{dump}?mode=ro", uri=True) as source, sqlite3.connect(_sqlite_path(target)) as dest:
        source.backup(dest)
    source.close()
    dest.close()


def _first_filled(rows, fields: list[str]):
    """The first row with an encrypted value, and how many of its encrypted fields hold one."""
    for row in rows:
        filled = sum(1 for field in fields if getattr(row, field))
        if filled:
            return row, filled
    return None


def read_back(alias: str, log: Log) -> None:
    """Decrypt the first rows holding a value of each encrypted table: proves the keys open the restored data."""
    read = 0
    for model, fields in encrypted_models():
        try:
            # The fields decrypt on load: a wrong key fails here. The first rows with a value prove it.
            found = _first_filled(model._base_manager.using(alias).order_by("pk")[:_READ_BACK_ROWS], fields)
        except ImproperlyConfigured as exc:
            raise BackupError(
                f"La base est restaurée mais ses données chiffrées ({model._meta.verbose_name}) ne se "
                "déchiffrent pas avec VS_DATA_KEYS : vérifiez les clés."
            ) from exc
        if found:
            read += 1
            row, filled = found
            log(f"Relecture : {model._meta.verbose_name} n° {row.pk} déchiffrée ({filled} champ(s) chiffré(s)).")
    if not read:
        log("Aucune donnée chiffrée dans cette sauvegarde : rien à relire.")


def check_row_counts(alias: str, manifest: dict, models=None) -> None:
    counts = row_counts(alias, models)
    differing = [
        f"{label} ({expected} attendues, {counts.get(label)} trouvées)"
        for label, expected in manifest.get("row_counts", {}).items()
        if counts.get(label, expected) != expected
    ]
    if differing:
        raise BackupError("La base restaurée ne contient pas les lignes du manifeste : " + ", ".join(differing))


def check_migrations(alias: str, log: Log, app_labels: set[str] | None = None) -> None:
    """Warn when the restored data comes from a newer version, or needs this version's migrations.

    `app_labels`: the apps the restored tables belong to (a town's schema holds only some), default all.
    """
    applied = MigrationRecorder(connections[alias]).applied_migrations()
    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    # A consolidated migration records the names it replaces too: those are known, not newer.
    known = set(on_disk) | {old for migration in on_disk.values() for old in migration.replaces}
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in known)
    expected = {key for key in on_disk if app_labels is None or key[0] in app_labels}
    pending = len(expected - set(applied))
    if unknown:
        log(
            "Attention : la sauvegarde vient d'une version plus récente de Ville Solidaire (migrations "
            f"inconnues : {', '.join(unknown)}) ; installez cette version avant de rouvrir le service."
        )
    elif pending:
        log(f"{pending} migration(s) de cette version à appliquer : lancez manage.py migrate.")


def verify(target: dict, manifest: dict, log: Log) -> None:
    """Read the restored database: encrypted values decrypt, row counts and migrations match the manifest."""
    with temporary_connection(target) as alias:
        read_back(alias, log)
        check_row_counts(alias, manifest)
        check_migrations(alias, log)


def restore(path: Path | None, *, directory: Path, target_url: str | None, force: bool, log: Log) -> str:
    """Restore a backup; returns the name of the database restored into."""
    _refuse_on_a_host()
    with owner_only_files():
        return _restore(path, directory=directory, target_url=target_url, force=force, log=log)


def _restore(path: Path | None, *, directory: Path, target_url: str | None, force: bool, log: Log) -> str:
    manifest_path, manifest = load_manifest(path, directory)
    dump = check_dump(manifest_path, manifest)
    check_keys(manifest, log)
    target = target_settings(target_url)
    engine = _engine(target)
    if manifest["engine"] != engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest['engine']} et la base cible est {engine} : "
            "restauration impossible."
        )
    if engine == POSTGRESQL:
        _prepare_postgresql(target, force=force, log=log)
    else:
        _prepare_sqlite(target, force=force)
    _load(engine, dump, target)
    verify(target, manifest, log)
    return str(target["NAME"])
